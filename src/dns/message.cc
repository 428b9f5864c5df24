// SPDX-License-Identifier: MIT
// Query parser: validates the header, the single question and the EDNS(0) OPT record without allocating.
#include "sgdns/dns/message.h"

#include <cstring>

#include "sgdns/dns/name.h"

namespace sgdns::dns {
namespace {

constexpr std::size_t kQuestionFixedSize = 4;  // QTYPE, QCLASS
constexpr std::size_t kRrFixedSize = 10;       // TYPE, CLASS, TTL, RDLENGTH
constexpr std::size_t kOptionHeaderSize = 4;   // OPTION-CODE, OPTION-LENGTH
constexpr std::size_t kEcsFixedSize = 4;       // FAMILY, SOURCE PREFIX, SCOPE PREFIX
constexpr std::uint16_t kEcsFamilyIpv4 = 1;
constexpr std::uint16_t kEcsFamilyIpv6 = 2;

std::uint16_t load_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  return (static_cast<std::uint32_t>(load_u16(p)) << 16) | load_u16(p + 2);
}

/// What went wrong so far. Kept separately so the final answer follows a fixed precedence (NotImp, then
/// FormErr, then BadVers) whatever order the problems were found in.
struct Problems {
  bool formerr = false;
  bool badvers = false;
};

/// RFC 7871 section 6 checks on one ECS option; false means FORMERR.
bool parse_ecs(const std::uint8_t* data, std::size_t len, ClientSubnet& ecs) noexcept {
  if (len < kEcsFixedSize) return false;
  const std::uint16_t family = load_u16(data);
  const std::uint8_t source = data[2];
  const std::uint8_t scope = data[3];
  std::size_t max_prefix = 0;
  if (family == kEcsFamilyIpv4) {
    max_prefix = 32;
  } else if (family == kEcsFamilyIpv6) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (source > max_prefix) return false;
  if (scope != 0) return false;  // a query must leave SCOPE PREFIX-LENGTH at 0
  const std::size_t addr_len = len - kEcsFixedSize;
  // The address must be exactly as long as the prefix needs, with no bits set beyond it, so that two
  // queries for the same subnet can never look different.
  if (addr_len != (static_cast<std::size_t>(source) + 7) / 8) return false;
  const std::uint8_t* addr = data + kEcsFixedSize;
  if (source % 8 != 0) {
    const auto host_bits = static_cast<std::uint8_t>(0xFF >> (source % 8));
    if ((addr[addr_len - 1] & host_bits) != 0) return false;
  }
  ecs.family = family;
  ecs.source_prefix = source;
  ecs.scope_prefix = scope;
  std::memset(ecs.address, 0, sizeof ecs.address);
  if (addr_len != 0) std::memcpy(ecs.address, addr, addr_len);
  return true;
}

/// RFC 7873 section 5.2.2: a client cookie alone (8 bytes), or followed by a server cookie of 8 to 32
/// bytes; any other length is malformed (FORMERR), as is a second COOKIE option.
bool parse_cookie(const std::uint8_t* data, std::size_t len, Edns& edns) noexcept {
  const bool well_formed =
      len == kClientCookieSize || (len >= kClientCookieSize + 8 && len <= kMaxCookieOption);
  if (!well_formed || edns.cookie_len != 0) return false;
  std::memcpy(edns.cookie, data, len);
  edns.cookie_len = static_cast<std::uint8_t>(len);
  return true;
}

/// The OPT RR whose fixed part starts at `fixed` (TYPE already known to be OPT), RDATA in [rdata,
/// rdata+rdlen).
void parse_opt(const std::uint8_t* fixed, const std::uint8_t* rdata, std::size_t rdlen, Edns& edns,
               Problems& problems) noexcept {
  edns.present = true;
  const std::uint16_t payload = load_u16(fixed + 2);
  edns.udp_payload =
      payload < kMaxUdpPayloadNoEdns ? static_cast<std::uint16_t>(kMaxUdpPayloadNoEdns) : payload;
  const std::uint32_t ttl = load_u32(fixed + 4);
  edns.extended_rcode = static_cast<std::uint8_t>(ttl >> 24);
  edns.version = static_cast<std::uint8_t>(ttl >> 16);
  edns.dnssec_ok = (ttl & 0x8000) != 0;
  if (edns.version > 0) {
    // Options of an unknown EDNS version have unknown meaning; the answer is BADVERS either way.
    problems.badvers = true;
    return;
  }
  std::size_t pos = 0;
  while (pos < rdlen) {
    if (rdlen - pos < kOptionHeaderSize) {
      problems.formerr = true;
      return;
    }
    const std::uint16_t code = load_u16(rdata + pos);
    const std::uint16_t len = load_u16(rdata + pos + 2);
    pos += kOptionHeaderSize;
    if (rdlen - pos < len) {
      problems.formerr = true;
      return;
    }
    const std::uint8_t* data = rdata + pos;
    pos += len;
    switch (code) {
      case edns_opt::kNSID:
        // A client should send NSID empty (RFC 5001 section 2.1); anything it put there is ignored.
        edns.nsid_requested = true;
        break;
      case edns_opt::kECS:
        if (edns.has_ecs || !parse_ecs(data, len, edns.ecs)) {
          problems.formerr = true;
          return;
        }
        edns.has_ecs = true;
        break;
      case edns_opt::kCookie:
        if (!parse_cookie(data, len, edns)) {
          problems.formerr = true;
          return;
        }
        break;
      default:
        break;  // unknown options are ignored (RFC 6891 section 6.1.2)
    }
  }
}

/// Skips one RR (owner may be compressed); false when it runs past the packet.
bool skip_rr(std::span<const std::uint8_t> pkt, std::size_t& pos, std::uint8_t* scratch) noexcept {
  if (read_name(pkt, pos, scratch, true) == 0) return false;
  if (pkt.size() - pos < kRrFixedSize) return false;
  const std::size_t rdlen = load_u16(pkt.data() + pos + 8);
  pos += kRrFixedSize;
  if (pkt.size() - pos < rdlen) return false;
  pos += rdlen;
  return true;
}

/// Everything after the header. Stops early when the packet's structure cannot be followed; problems are
/// recorded in `problems` and whatever was parsed before that stays in `q`.
void parse_body(std::span<const std::uint8_t> pkt, std::uint16_t qdcount, std::uint32_t other_count,
                std::uint16_t arcount, Query& q, Problems& problems) noexcept {
  std::size_t pos = kHeaderSize;
  std::uint8_t scratch[kMaxNameLen];

  for (std::uint16_t i = 0; i < qdcount; ++i) {
    // A query's question name must be written in full: before it there is only the header, so a pointer
    // there is either a mistake or an attack.
    const std::size_t len = read_name(pkt, pos, i == 0 ? q.qname : scratch, false);
    if (len == 0 || pkt.size() - pos < kQuestionFixedSize) {
      problems.formerr = true;
      return;
    }
    if (i == 0) {
      q.qname_len = len;
      for (std::size_t b = 0; b < len; ++b) q.lqname[b] = ascii_lower(q.qname[b]);  // lengths are not letters
      q.qtype = load_u16(pkt.data() + pos);
      q.qclass = load_u16(pkt.data() + pos + 2);
      // Echoing makes sense only when the question section is exactly this one entry.
      q.has_question = qdcount == 1;
    }
    pos += kQuestionFixedSize;
  }

  // Answer and authority records (not allowed in a QUERY, but a NOTIFY or UPDATE may carry them) are
  // skipped so that the OPT record in the additional section can still be found and echoed.
  for (std::uint32_t i = 0; i < other_count; ++i) {
    if (!skip_rr(pkt, pos, scratch)) {
      problems.formerr = true;
      return;
    }
  }

  bool seen_opt = false;
  for (std::uint16_t i = 0; i < arcount; ++i) {
    const std::size_t owner_len = read_name(pkt, pos, scratch, true);
    if (owner_len == 0 || pkt.size() - pos < kRrFixedSize) {
      problems.formerr = true;
      return;
    }
    const std::uint8_t* fixed = pkt.data() + pos;
    const std::size_t rdlen = load_u16(fixed + 8);
    pos += kRrFixedSize;
    if (pkt.size() - pos < rdlen) {
      problems.formerr = true;
      return;
    }
    const std::uint8_t* rdata = pkt.data() + pos;
    pos += rdlen;
    if (load_u16(fixed) != rrtype::kOPT) continue;  // e.g. TSIG: not acted on, only stepped over
    if (seen_opt || owner_len != 1) {
      // RFC 6891 section 6.1.1: more than one OPT, or an OPT not owned by the root, is FORMERR.
      problems.formerr = true;
      if (!seen_opt) parse_opt(fixed, rdata, rdlen, q.edns, problems);
      seen_opt = true;
      continue;
    }
    seen_opt = true;
    parse_opt(fixed, rdata, rdlen, q.edns, problems);
  }

  if (pos != pkt.size()) problems.formerr = true;  // bytes beyond the counted records
}

}  // namespace

ParseStatus parse_query(std::span<const std::uint8_t> pkt, Query& q) noexcept {
  // Field by field rather than `q = Query{}`: clearing the two 255-byte name buffers cost more than the
  // rest of the parse. An empty buffer holds the root name, which is all a reader may assume.
  q.id = q.flags = 0;
  q.opcode = 0;
  q.has_question = false;
  q.qname[0] = q.lqname[0] = 0;
  q.qname_len = 0;
  q.qtype = q.qclass = 0;
  q.edns = Edns{};
  if (pkt.size() < kHeaderSize) return ParseStatus::Drop;
  const std::uint8_t* h = pkt.data();
  const std::uint16_t flags = load_u16(h + 2);
  if ((flags & flag::kQR) != 0) return ParseStatus::Drop;  // never answer a response: no reflection loops

  q.id = load_u16(h);
  q.flags = flags;
  q.opcode = static_cast<std::uint8_t>((flags >> 11) & 0x0F);
  const std::uint16_t qdcount = load_u16(h + 4);
  const std::uint16_t ancount = load_u16(h + 6);
  const std::uint16_t nscount = load_u16(h + 8);
  const std::uint16_t arcount = load_u16(h + 10);

  Problems problems;
  if (qdcount != 1 || ancount != 0 || nscount != 0) problems.formerr = true;
  // The body is parsed even when the answer is already decided so the reply can echo question and EDNS.
  parse_body(pkt, qdcount, std::uint32_t{ancount} + nscount, arcount, q, problems);
  if (q.opcode != opcode::kQuery) return ParseStatus::NotImp;
  if (problems.formerr) return ParseStatus::FormErr;
  if (problems.badvers) return ParseStatus::BadVers;
  return ParseStatus::Ok;
}

}  // namespace sgdns::dns
