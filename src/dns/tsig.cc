// SPDX-License-Identifier: MIT
// TSIG (RFC 8945): record lookup (through a WireReader), digests over the message and TSIG variables, HMAC by
// OpenSSL.
#include "sgdns/dns/tsig.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/wire_reader.h"

namespace sgdns::dns {
namespace {

constexpr std::size_t kRrFixed = 10;  // TYPE, CLASS, TTL, RDLENGTH

std::uint16_t u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

void put48(std::vector<std::uint8_t>& v, std::uint64_t t) {
  for (int shift = 40; shift >= 0; shift -= 8) v.push_back(static_cast<std::uint8_t>(t >> shift));
}

const std::uint8_t kSha256Name[] = "\x0bhmac-sha256";
const std::uint8_t kSha512Name[] = "\x0bhmac-sha512";

std::span<const std::uint8_t> algorithm_wire(TsigAlgorithm a) noexcept {
  const std::uint8_t* n = a == TsigAlgorithm::HmacSha256 ? kSha256Name : kSha512Name;
  return {n, sizeof kSha256Name};  // 12 name bytes and the root label (the literal's NUL)
}

std::vector<std::uint8_t> hmac(const TsigKey& key, const std::vector<std::uint8_t>& data) {
  const EVP_MD* md = key.algorithm == TsigAlgorithm::HmacSha256 ? EVP_sha256() : EVP_sha512();
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(md, key.secret.data(), static_cast<int>(key.secret.size()), data.data(), data.size(), out, &len);
  return {out, out + len};
}

/// The message as it was before the TSIG record was added: ARCOUNT one less, the original ID.
void append_unsigned(std::vector<std::uint8_t>& d, std::span<const std::uint8_t> msg, const TsigRecord& r) {
  const std::size_t at = d.size();
  d.insert(d.end(), msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(r.offset));
  d[at] = static_cast<std::uint8_t>(r.original_id >> 8);
  d[at + 1] = static_cast<std::uint8_t>(r.original_id);
  const std::uint16_t ar = static_cast<std::uint16_t>(u16(&d[at + 10]) - 1);
  d[at + 10] = static_cast<std::uint8_t>(ar >> 8);
  d[at + 11] = static_cast<std::uint8_t>(ar);
}

/// The TSIG variables of RFC 8945 section 4.3.3, or only the timers for a later message of a transfer.
void append_variables(std::vector<std::uint8_t>& d, const TsigKey& key, std::uint64_t time,
                      std::uint16_t fudge, std::uint16_t error, std::span<const std::uint8_t> other,
                      bool timers_only) {
  if (!timers_only) {
    d.insert(d.end(), key.name.begin(), key.name.end());
    put16(d, rrclass::kANY);
    d.insert(d.end(), 4, 0);  // TTL
    auto alg = algorithm_wire(key.algorithm);
    d.insert(d.end(), alg.begin(), alg.end());
  }
  put48(d, time);
  put16(d, fudge);
  if (timers_only) return;
  put16(d, error);
  put16(d, static_cast<std::uint16_t>(other.size()));
  d.insert(d.end(), other.begin(), other.end());
}

void append_mac(std::vector<std::uint8_t>& d, std::span<const std::uint8_t> mac) {
  if (mac.empty()) return;  // a request has no prior MAC at all, not even its length
  put16(d, static_cast<std::uint16_t>(mac.size()));
  d.insert(d.end(), mac.begin(), mac.end());
}

bool constant_time_equal(std::span<const std::uint8_t> a, const std::vector<std::uint8_t>& b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

/// The TSIG RDATA (RFC 8945 section 4.2), which must fill `rdata` exactly. `r`'s spans point into the
/// message.
bool parse_tsig_rdata(WireReader rdata, TsigRecord& r) noexcept {
  r.algorithm_len = rdata.name(r.algorithm, false);
  const std::uint8_t* fixed = rdata.group<10>();  // TIME SIGNED (48 bits), FUDGE, MAC SIZE
  if (!rdata.ok()) return false;
  name_to_lower(r.algorithm, r.algorithm_len);
  r.time_signed = (std::uint64_t{load_u16(fixed)} << 32) | load_u32(fixed + 2);
  r.fudge = load_u16(fixed + 6);
  const std::size_t mac_len = load_u16(fixed + 8);
  const std::uint8_t* mac = rdata.bytes(mac_len);
  const std::uint8_t* tail = rdata.group<6>();  // ORIGINAL ID, ERROR, OTHER LEN
  if (!rdata.ok()) return false;
  r.mac = {mac, mac_len};
  r.original_id = load_u16(tail);
  r.error = load_u16(tail + 2);
  const std::size_t other_len = load_u16(tail + 4);
  if (rdata.available() != other_len) return false;
  r.other = {rdata.bytes(other_len), other_len};
  return true;
}

}  // namespace

bool parse_tsig_algorithm(std::string_view text, TsigAlgorithm& out) noexcept {
  std::string t;
  for (char c : text) t += static_cast<char>(ascii_lower(static_cast<std::uint8_t>(c)));
  if (!t.empty() && t.back() == '.') t.pop_back();
  if (t == "hmac-sha256") {
    out = TsigAlgorithm::HmacSha256;
    return true;
  }
  if (t == "hmac-sha512") {
    out = TsigAlgorithm::HmacSha512;
    return true;
  }
  return false;
}

const char* tsig_algorithm_name(TsigAlgorithm a) noexcept {
  return a == TsigAlgorithm::HmacSha256 ? "hmac-sha256" : "hmac-sha512";
}

TsigFound find_tsig(std::span<const std::uint8_t> msg, TsigRecord& rec) noexcept {
  WireReader r(msg);
  const std::uint8_t* h = r.group<kHeaderSize>();
  if (!h) return TsigFound::Malformed;
  const std::uint32_t qd = load_u16(h + 4);
  const std::uint32_t total = std::uint32_t{load_u16(h + 6)} + load_u16(h + 8) + load_u16(h + 10);
  const std::uint32_t ar = load_u16(h + 10);
  std::uint8_t owner[kMaxNameLen];
  for (std::uint32_t i = 0; i < qd; ++i) {
    (void)r.name(owner, true);
    r.skip(4);  // QTYPE, QCLASS
    if (!r.ok()) return TsigFound::Malformed;
  }
  RrHeader header;
  WireReader rdata(std::span<const std::uint8_t>{});
  for (std::uint32_t i = 0; i < total; ++i) {
    const std::size_t start = r.offset();
    const std::size_t owner_len = read_rr(r, owner, header, rdata);
    if (owner_len == 0) return TsigFound::Malformed;
    if (header.type != rrtype::kTSIG) continue;
    if (i + 1 != total || ar == 0) return TsigFound::Malformed;  // TSIG only as the very last record
    std::memcpy(rec.key_name, owner, owner_len);
    rec.key_name_len = owner_len;
    name_to_lower(rec.key_name, rec.key_name_len);
    rec.offset = start;
    if (header.rclass != rrclass::kANY) return TsigFound::Malformed;
    if (!parse_tsig_rdata(rdata, rec)) return TsigFound::Malformed;
    return r.at_end() ? TsigFound::Found : TsigFound::Malformed;
  }
  return r.at_end() ? TsigFound::None : TsigFound::Malformed;
}

TsigSigner::TsigSigner(const TsigKey& key, std::span<const std::uint8_t> request_mac)
    : key_(key), prior_(request_mac.begin(), request_mac.end()) {}

std::size_t tsig_record_size(const TsigKey& key) noexcept {
  const std::size_t mac = key.algorithm == TsigAlgorithm::HmacSha512 ? 64 : 32;
  // Owner, fixed part, then RDATA: algorithm, time (6), fudge, MAC size, MAC, original ID, error, other
  // length.
  return key.name.size() + kRrFixed + algorithm_wire(key.algorithm).size() + 6 + 2 + 2 + mac + 2 + 2 + 2;
}

std::size_t TsigSigner::sign(std::uint8_t* msg, std::size_t len, std::size_t cap, std::uint64_t now,
                             std::uint16_t error) {
  std::uint8_t other[6];
  std::span<const std::uint8_t> other_span;
  if (error == tsig_error::kBadTime) {  // RFC 8945 section 5.2.3: our time, so the client sees the skew
    for (int i = 0; i < 6; ++i) other[i] = static_cast<std::uint8_t>(now >> (40 - 8 * i));
    other_span = {other, 6};
  }
  // BADSIG and BADKEY replies go unsigned (RFC 8945 section 5.2.2, 5.2.1): an empty MAC.
  const bool unsigned_reply = error == tsig_error::kBadSig || error == tsig_error::kBadKey;
  std::vector<std::uint8_t> d;
  d.reserve(len + 256);
  append_mac(d, prior_);
  d.insert(d.end(), msg, msg + len);
  append_variables(d, key_, now, kTsigFudge, error, other_span, !first_);
  std::vector<std::uint8_t> mac = unsigned_reply ? std::vector<std::uint8_t>{} : hmac(key_, d);
  auto alg = algorithm_wire(key_.algorithm);
  const std::size_t rdlen = alg.size() + 10 + mac.size() + 6 + other_span.size();
  const std::size_t need = key_.name.size() + kRrFixed + rdlen;
  if (len + need > cap) return 0;
  std::vector<std::uint8_t> rr;
  rr.insert(rr.end(), key_.name.begin(), key_.name.end());
  put16(rr, rrtype::kTSIG);
  put16(rr, rrclass::kANY);
  rr.insert(rr.end(), 4, 0);
  put16(rr, static_cast<std::uint16_t>(rdlen));
  rr.insert(rr.end(), alg.begin(), alg.end());
  put48(rr, now);
  put16(rr, kTsigFudge);
  put16(rr, static_cast<std::uint16_t>(mac.size()));
  rr.insert(rr.end(), mac.begin(), mac.end());
  rr.push_back(msg[0]);  // original ID
  rr.push_back(msg[1]);
  put16(rr, error);
  put16(rr, static_cast<std::uint16_t>(other_span.size()));
  rr.insert(rr.end(), other_span.begin(), other_span.end());
  std::memcpy(msg + len, rr.data(), rr.size());
  const std::uint16_t ar = static_cast<std::uint16_t>(u16(msg + 10) + 1);
  msg[10] = static_cast<std::uint8_t>(ar >> 8);
  msg[11] = static_cast<std::uint8_t>(ar);
  prior_ = std::move(mac);
  first_ = false;
  return len + rr.size();
}

TsigVerifier::TsigVerifier(const TsigKey& key, std::span<const std::uint8_t> request_mac)
    : key_(key), prior_(request_mac.begin(), request_mac.end()) {}

std::uint16_t TsigVerifier::verify(std::span<const std::uint8_t> msg, const TsigRecord* rec,
                                   std::uint64_t now) {
  if (!rec) {
    // Only between signed messages of a transfer; the first and the last must be signed.
    if (first_ || ++unsigned_count_ >= 100) return tsig_error::kBadSig;
    pending_.insert(pending_.end(), msg.begin(), msg.end());
    return tsig_error::kNone;
  }
  auto alg = algorithm_wire(key_.algorithm);
  if (rec->key_name_len != key_.name.size() ||
      std::memcmp(rec->key_name, key_.name.data(), key_.name.size()) != 0 ||
      rec->algorithm_len != alg.size() || std::memcmp(rec->algorithm, alg.data(), alg.size()) != 0)
    return tsig_error::kBadKey;
  std::vector<std::uint8_t> d;
  d.reserve(pending_.size() + msg.size() + 256);
  append_mac(d, prior_);
  d.insert(d.end(), pending_.begin(), pending_.end());
  append_unsigned(d, msg, *rec);
  append_variables(d, key_, rec->time_signed, rec->fudge, rec->error, rec->other, !first_);
  std::vector<std::uint8_t> mac = hmac(key_, d);
  // RFC 8945 section 5.2.2: a truncated MAC shorter than half the hash (or 10 bytes) is never accepted;
  // we accept only the full length, as Knot and BIND send it.
  if (!constant_time_equal(rec->mac, mac)) return tsig_error::kBadSig;
  // The time is checked after the MAC (section 5.2.3): a forged message must not learn our clock.
  const std::uint64_t skew = now > rec->time_signed ? now - rec->time_signed : rec->time_signed - now;
  if (skew > rec->fudge) return tsig_error::kBadTime;
  prior_ = std::move(mac);
  pending_.clear();
  unsigned_count_ = 0;
  first_ = false;
  return tsig_error::kNone;
}

}  // namespace sgdns::dns
