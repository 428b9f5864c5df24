// SPDX-License-Identifier: MIT
// Query parser: validates the header, the single question and the EDNS(0) OPT record without allocating,
// every byte read through a WireReader (wire_reader.h).
#include "sgdns/dns/message.h"

#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/wire_reader.h"

namespace sgdns::dns {
namespace {

constexpr std::size_t kEcsFixedSize = 4;  // FAMILY, SOURCE PREFIX, SCOPE PREFIX
constexpr std::uint16_t kEcsFamilyIpv4 = 1;
constexpr std::uint16_t kEcsFamilyIpv6 = 2;

/// What went wrong so far. Kept separately so the final answer follows a fixed precedence (NotImp, then
/// FormErr, then BadVers) whatever order the problems were found in.
struct Problems {
  bool formerr = false;
  bool badvers = false;
};

/// RFC 7871 section 6 checks on one ECS option's body; false means FORMERR.
[[gnu::always_inline]] inline bool parse_ecs(WireReader body, ClientSubnet& ecs) noexcept {
  const std::uint8_t* fixed = body.group<kEcsFixedSize>();
  if (!body.ok()) return false;  // shorter than its fixed part
  const std::uint16_t family = load_u16(fixed);
  const std::uint8_t source = fixed[2];
  const std::uint8_t scope = fixed[3];
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
  // The address must be exactly as long as the prefix needs, with no bits set beyond it, so that two
  // queries for the same subnet can never look different.
  const std::size_t addr_len = body.available();
  if (addr_len != (static_cast<std::size_t>(source) + 7) / 8) return false;
  const std::uint8_t* addr = body.bytes(addr_len);
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
[[gnu::always_inline]] inline bool parse_cookie(WireReader body, Edns& edns) noexcept {
  const std::size_t len = body.available();
  const bool well_formed =
      len == kClientCookieSize || (len >= kClientCookieSize + 8 && len <= kMaxCookieOption);
  if (!well_formed || edns.cookie_len != 0) return false;
  std::memcpy(edns.cookie, body.bytes(len), len);
  edns.cookie_len = static_cast<std::uint8_t>(len);
  return true;
}

/// The OPT RR (RFC 6891 section 6.1.2): its fixed part in `header`, its options in `rdata`.
[[gnu::always_inline]] inline void parse_opt(const RrHeader& header, WireReader rdata, Edns& edns,
                                             Problems& problems) noexcept {
  edns.present = true;
  edns.udp_payload =
      header.rclass < kMaxUdpPayloadNoEdns ? static_cast<std::uint16_t>(kMaxUdpPayloadNoEdns) : header.rclass;
  edns.extended_rcode = static_cast<std::uint8_t>(header.ttl >> 24);
  edns.version = static_cast<std::uint8_t>(header.ttl >> 16);
  edns.dnssec_ok = (header.ttl & edns_flag::kDO) != 0;
  edns.compact_ok = (header.ttl & edns_flag::kCO) != 0;
  if (edns.version > 0) {
    // Options of an unknown EDNS version have unknown meaning; the answer is BADVERS either way.
    problems.badvers = true;
    return;
  }
  while (!rdata.at_end()) {
    const std::uint8_t* option = rdata.group<4>();  // OPTION-CODE, OPTION-LENGTH
    WireReader body = rdata.sub(option ? load_u16(option + 2) : 0);
    if (!rdata.ok()) {  // an option header or body past the RDATA
      problems.formerr = true;
      return;
    }
    const std::uint16_t code = load_u16(option);
    switch (code) {
      case edns_opt::kNSID:
        // A client should send NSID empty (RFC 5001 section 2.1); anything it put there is ignored.
        edns.nsid_requested = true;
        break;
      case edns_opt::kECS:
        if (edns.has_ecs || !parse_ecs(body, edns.ecs)) {
          problems.formerr = true;
          return;
        }
        edns.has_ecs = true;
        break;
      case edns_opt::kCookie:
        if (!parse_cookie(body, edns)) {
          problems.formerr = true;
          return;
        }
        break;
      default:
        break;  // unknown options are ignored (RFC 6891 section 6.1.2)
    }
  }
}

/// When `header` and `rdata` are an SOA record's, records its serial in `q` (MNAME and RNAME stepped over).
void read_soa_serial(const RrHeader& header, WireReader rdata, Query& q) noexcept {
  if (header.type != rrtype::kSOA) return;
  std::uint8_t scratch[kMaxNameLen];
  (void)rdata.name(scratch, true);
  (void)rdata.name(scratch, true);
  const std::uint8_t* fixed = rdata.group<20>();  // SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM
  if (!rdata.ok()) return;
  q.soa_serial = load_u32(fixed);
  q.has_soa_serial = true;
}

/// Everything after the header. Stops early when the packet's structure cannot be followed; problems are
/// recorded in `problems` and whatever was parsed before that stays in `q`.
[[gnu::noinline]] void parse_body(std::span<const std::uint8_t> pkt, std::uint16_t qdcount,
                                  std::uint32_t other_count, std::uint16_t arcount, Query& q,
                                  Problems& problems) noexcept {
  WireReader r(pkt);
  r.skip(kHeaderSize);
  std::uint8_t scratch[kMaxNameLen];

  for (std::uint16_t i = 0; i < qdcount; ++i) {
    // A query's question name must be written in full: before it there is only the header, so a pointer
    // there is either a mistake or an attack.
    const std::size_t len = r.name(i == 0 ? q.qname : scratch, false);
    const std::uint8_t* fixed = r.group<4>();  // QTYPE, QCLASS
    if (!r.ok()) {
      problems.formerr = true;
      return;
    }
    if (i == 0) {
      q.qname_len = len;
      for (std::size_t b = 0; b < len; ++b) q.lqname[b] = ascii_lower(q.qname[b]);  // lengths are not letters
      q.qtype = load_u16(fixed);
      q.qclass = load_u16(fixed + 2);
      // Echoing makes sense only when the question section is exactly this one entry.
      q.has_question = qdcount == 1;
    }
  }

  // Answer and authority records are not allowed in a QUERY, but an IXFR query carries the client's SOA
  // in the authority section and a NOTIFY may carry the new SOA in the answer section: their serial is
  // kept. Others are skipped so that the OPT record in the additional section can still be found.
  RrHeader header;
  WireReader rdata(std::span<const std::uint8_t>{});
  for (std::uint32_t i = 0; i < other_count; ++i) {
    if (read_rr(r, scratch, header, rdata) == 0) {
      problems.formerr = true;
      return;
    }
    read_soa_serial(header, rdata, q);
  }

  bool seen_opt = false;
  for (std::uint16_t i = 0; i < arcount; ++i) {
    const std::size_t owner_len = read_rr(r, scratch, header, rdata);
    if (owner_len == 0) {
      problems.formerr = true;
      return;
    }
    if (header.type == rrtype::kTSIG) q.has_tsig = i + 1 == arcount;  // checked by the transport
    if (header.type != rrtype::kOPT) continue;
    if (seen_opt || owner_len != 1) {
      // RFC 6891 section 6.1.1: more than one OPT, or an OPT not owned by the root, is FORMERR.
      problems.formerr = true;
      if (!seen_opt) parse_opt(header, rdata, q.edns, problems);
      seen_opt = true;
      continue;
    }
    seen_opt = true;
    parse_opt(header, rdata, q.edns, problems);
  }

  if (!r.at_end()) problems.formerr = true;  // bytes beyond the counted records
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
  q.has_soa_serial = q.has_tsig = false;
  q.soa_serial = 0;
  q.edns = Edns{};
  WireReader r(pkt);
  const std::uint8_t* h = r.group<kHeaderSize>();
  if (!h) return ParseStatus::Drop;  // shorter than a header
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
  if (qdcount != 1) problems.formerr = true;
  // The body is parsed even when the answer is already decided so the reply can echo question and EDNS.
  parse_body(pkt, qdcount, std::uint32_t{ancount} + nscount, arcount, q, problems);
  // Only two shapes carry records before the additional section: an IXFR query with exactly the client's
  // SOA in the authority section, and a NOTIFY with at most the new SOA in the answer section.
  const bool ixfr = q.opcode == opcode::kQuery && q.qtype == rrtype::kIXFR && ancount == 0 && nscount == 1 &&
                    q.has_soa_serial;
  const bool notify = q.opcode == opcode::kNotify && nscount == 0 && ancount <= 1;
  if ((ancount != 0 || nscount != 0) && !ixfr && !notify) problems.formerr = true;
  if (q.opcode != opcode::kQuery && q.opcode != opcode::kNotify) return ParseStatus::NotImp;
  if (problems.formerr) return ParseStatus::FormErr;
  if (problems.badvers) return ParseStatus::BadVers;
  return ParseStatus::Ok;
}

}  // namespace sgdns::dns
