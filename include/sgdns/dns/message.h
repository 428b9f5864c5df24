// SPDX-License-Identifier: MIT
// Query parsing: header, the one question, and the EDNS(0) OPT record with the options sgdns acts on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "sgdns/dns/cookie.h"
#include "sgdns/dns/types.h"

namespace sgdns::dns {

/// EDNS Client Subnet as received (RFC 7871 section 6), validated: address bits past the source prefix
/// are zero and the address is no longer than the prefix needs.
struct ClientSubnet {
  std::uint16_t family = 0;  // 1 = IPv4, 2 = IPv6
  std::uint8_t source_prefix = 0;
  std::uint8_t scope_prefix = 0;
  std::uint8_t address[16] = {};
};

struct Edns {
  bool present = false;
  std::uint16_t udp_payload = 0;  // as the client sent it (values below 512 are read as 512)
  std::uint8_t version = 0;
  std::uint8_t extended_rcode = 0;
  bool dnssec_ok = false;
  /// RFC 9824 5.1: the client takes a compact-denial answer for a name that does not exist with rcode
  /// NXDOMAIN (NOERROR otherwise). Meaningful only beside dnssec_ok.
  bool compact_ok = false;
  bool nsid_requested = false;
  bool has_ecs = false;
  /// RFC 7873 COOKIE option as received, well-formed: 0 (none), 8 (client cookie only) or 16 to 40 (client
  /// cookie, then the server cookie).
  std::uint8_t cookie_len = 0;
  ClientSubnet ecs;
  std::uint8_t cookie[kMaxCookieOption];  // only the first cookie_len bytes are meaningful
};

enum class ParseStatus : std::uint8_t {
  Ok,
  Drop,     // QR set or shorter than a header: no reply at all
  FormErr,  // malformed; `has_question`/`edns.present` say what can be echoed
  NotImp,   // opcode other than QUERY and NOTIFY
  BadVers,  // EDNS version above 0 (RFC 6891 section 6.1.3)
};

struct Query {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint8_t opcode = 0;
  bool has_question = false;
  std::uint8_t qname[kMaxNameLen] = {};   // as the client wrote it (its letter case is echoed)
  std::uint8_t lqname[kMaxNameLen] = {};  // lowercase, for lookups
  std::size_t qname_len = 0;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  /// The SOA serial an IXFR query carries in its authority section (RFC 1995 section 3), or a NOTIFY in
  /// its answer section (RFC 1996 section 3.7).
  bool has_soa_serial = false;
  std::uint32_t soa_serial = 0;
  /// The last additional record is a TSIG record: the transport verifies it (dns/tsig.h) and signs the
  /// reply.
  bool has_tsig = false;
  Edns edns;
};

/// Parses a query received over UDP or TCP. Never reads past `pkt`; never allocates.
[[nodiscard]] ParseStatus parse_query(std::span<const std::uint8_t> pkt, Query& q) noexcept;

}  // namespace sgdns::dns
