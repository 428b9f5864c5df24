// SPDX-License-Identifier: MIT
// Signing an RRset in canonical form (RFC 4034 6), and NSEC type bit maps.
#include "sgdns/dnssec/rrsig.h"

#include <algorithm>
#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

namespace sgdns::dnssec {
namespace {

namespace rrtype = dns::rrtype;

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  put16(v, static_cast<std::uint16_t>(x >> 16));
  put16(v, static_cast<std::uint16_t>(x));
}

/// Lowercases the name at `off` in `rd` (uncompressed); returns the offset after it, or rd.size() when
/// the RDATA ends inside it.
std::size_t lower_name_at(std::vector<std::uint8_t>& rd, std::size_t off) {
  while (off < rd.size()) {
    std::uint8_t len = rd[off];
    if (len == 0) return off + 1;
    if (len > 63 || off + 1 + len > rd.size()) return rd.size();
    dns::name_to_lower(rd.data() + off, 1u + len);
    off += 1u + len;
  }
  return rd.size();
}

/// RFC 4034 6.2 item 3 as amended by RFC 6840 5.1: names inside these types' RDATA are lowercased.
std::vector<std::uint8_t> canonical_rdata(std::uint16_t type, RdataRef r) {
  std::vector<std::uint8_t> rd(r.data, r.data + r.size);
  switch (type) {
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
    case rrtype::kDNAME:
      lower_name_at(rd, 0);
      break;
    case rrtype::kMX:
    case 18:  // AFSDB
    case 21:  // RT
    case 36:  // KX
      if (rd.size() > 2) lower_name_at(rd, 2);
      break;
    case rrtype::kSOA:
    case 14:  // MINFO
    case 17:  // RP
      lower_name_at(rd, lower_name_at(rd, 0));
      break;
    case rrtype::kSRV:
      if (rd.size() > 6) lower_name_at(rd, 6);
      break;
    default:
      break;
  }
  return rd;
}

int label_count_for_rrsig(const std::uint8_t* lname) {
  int labels = dns::label_count(lname);
  // RFC 4034 3.1.3: a wildcard owner's "*" label is not counted.
  if (lname[0] == 1 && lname[1] == '*') --labels;
  return labels;
}

}  // namespace

bool sign_rrset(const Signer& key, std::uint16_t tag, const SigningInput& in, std::span<const RdataRef> rdata,
                Signature& out) {
  std::uint8_t owner[dns::kMaxNameLen];
  const std::size_t owner_len = dns::name_length(in.owner);
  std::memcpy(owner, in.owner, owner_len);
  dns::name_to_lower(owner, owner_len);

  std::vector<std::uint8_t> data;
  put16(data, in.type);
  data.push_back(key.algorithm());
  data.push_back(static_cast<std::uint8_t>(label_count_for_rrsig(owner)));
  put32(data, in.ttl);
  put32(data, in.expiration);
  put32(data, in.inception);
  put16(data, tag);
  std::memcpy(out.bytes, data.data(), Signature::kFixedSize);
  data.insert(data.end(), in.signer, in.signer + dns::name_length(in.signer));

  std::vector<std::vector<std::uint8_t>> rrs;
  rrs.reserve(rdata.size());
  for (RdataRef r : rdata) rrs.push_back(canonical_rdata(in.type, r));
  // RFC 4034 6.3: RRs in canonical order, octet strings compared left-justified; duplicates dropped.
  std::sort(rrs.begin(), rrs.end());
  rrs.erase(std::unique(rrs.begin(), rrs.end()), rrs.end());
  for (const auto& rd : rrs) {
    data.insert(data.end(), owner, owner + owner_len);
    put16(data, in.type);
    put16(data, dns::rrclass::kIN);
    put32(data, in.ttl);
    put16(data, static_cast<std::uint16_t>(rd.size()));
    data.insert(data.end(), rd.begin(), rd.end());
  }
  return key.sign(data, out.bytes + Signature::kFixedSize);
}

std::size_t type_bitmap(std::span<const std::uint16_t> types, std::uint8_t* out) noexcept {
  std::size_t pos = 0;
  for (unsigned window = 0;; ++window) {
    unsigned next = 256;  // the lowest window at or after `window` that has a type: skip empty ones
    for (std::uint16_t t : types) {
      if ((t >> 8u) >= window && (t >> 8u) < next) next = t >> 8u;
    }
    if (next == 256) break;
    window = next;
    std::uint8_t bits[32] = {};
    std::size_t used = 0;
    for (std::uint16_t t : types) {
      if ((t >> 8) != window) continue;
      const unsigned low = t & 0xffu;
      bits[low / 8] |= static_cast<std::uint8_t>(0x80u >> (low % 8));
      used = std::max<std::size_t>(used, low / 8 + 1);
    }
    if (used == 0) continue;
    out[pos++] = static_cast<std::uint8_t>(window);
    out[pos++] = static_cast<std::uint8_t>(used);
    std::memcpy(out + pos, bits, used);
    pos += used;
  }
  return pos;
}

}  // namespace sgdns::dnssec
