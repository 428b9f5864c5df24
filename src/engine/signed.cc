// SPDX-License-Identifier: MIT
// TSIG-signed queries (RFC 8945 section 5.2): verify, answer knowing the key, sign the reply.
#include <algorithm>

#include "sgdns/dns/name.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/dns/writer.h"
#include "sgdns/engine/engine.h"

namespace sgdns::engine {
namespace {

/// NOTAUTH (or FORMERR) with the question echoed and, for TSIG errors, a TSIG record carrying the error.
Reply error_reply(const dns::Query& q, std::uint16_t rc, const dns::TsigKey* key, std::uint16_t tsig_error,
                  std::span<const std::uint8_t> request_mac, std::span<std::uint8_t> out, std::uint64_t now) {
  dns::Writer w(out.data(), std::min<std::size_t>(out.size(), dns::kMaxMessage));
  w.begin(q.id, static_cast<std::uint16_t>(dns::flag::kQR | (q.flags & 0x7800) | rc));
  if (q.has_question) (void)w.put_question(q.qname, q.qtype, q.qclass);
  std::size_t size = w.finish();
  if (key) {
    dns::TsigSigner signer(*key, request_mac);
    if (const std::size_t signed_size = signer.sign(out.data(), size, out.size(), now, tsig_error))
      size = signed_size;
  }
  Reply r{size, rc == dns::rcode::kFormErr ? Outcome::FormErr : Outcome::Refused, rc};
  return r;
}

}  // namespace

Reply answer_signed(const World& world, std::span<const std::uint8_t> pkt, Client& client, Scratch& scratch,
                    std::span<std::uint8_t> out, std::uint64_t now) {
  const dns::Query& q = scratch.query;
  dns::TsigRecord rec;
  if (dns::find_tsig(pkt, rec) != dns::TsigFound::Found)
    return error_reply(q, dns::rcode::kFormErr, nullptr, 0, {}, out, now);
  const dns::TsigKey* key = world.find_key(rec.key_name);
  dns::TsigAlgorithm alg{};
  if (!key) {
    // RFC 8945 section 5.2.1: BADKEY, unsigned, naming the key and algorithm the client used.
    dns::TsigKey unknown;
    unknown.name.assign(rec.key_name, rec.key_name + rec.key_name_len);
    std::string alg_text = dns::name_to_text(rec.algorithm);
    if (!dns::parse_tsig_algorithm(alg_text, alg)) alg = dns::TsigAlgorithm::HmacSha256;
    unknown.algorithm = alg;
    return error_reply(q, dns::rcode::kNotAuth, &unknown, dns::tsig_error::kBadKey, {}, out, now);
  }
  dns::TsigVerifier verifier(*key, {});
  const std::uint16_t error = verifier.verify(pkt, &rec, now);
  if (error != dns::tsig_error::kNone) {
    // BADTIME replies are signed (the MAC was good); BADSIG and BADKEY ones cannot be.
    return error_reply(q, dns::rcode::kNotAuth, key, error, rec.mac, out, now);
  }
  client.key = key;
  client.reserve = static_cast<std::uint16_t>(dns::tsig_record_size(*key));
  scratch.tsig_mac.assign(rec.mac.begin(), rec.mac.end());
  Reply reply = answer(world, pkt, client, scratch, out);
  if (reply.outcome == Outcome::Transfer || reply.size == 0) return reply;
  dns::TsigSigner signer(*key, rec.mac);
  if (const std::size_t size = signer.sign(out.data(), reply.size, out.size(), now)) reply.size = size;
  return reply;
}

const dns::TsigKey* World::find_key(const std::uint8_t* lname) const {
  auto it = keys.find(dns::name_to_text(lname));
  return it == keys.end() ? nullptr : &it->second;
}

}  // namespace sgdns::engine
