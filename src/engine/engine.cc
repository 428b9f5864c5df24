// SPDX-License-Identifier: MIT
// The query path, top to bottom: parse, pick the zone, resolve, encode, add EDNS. Start reading here.
#include "sgdns/engine/engine.h"

#include <algorithm>

#include "cookies.h"
#include "encode.h"
#include "resolve.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/writer.h"
#include "special.h"

namespace sgdns::engine {
namespace {

namespace rrtype = dns::rrtype;
namespace rcode = dns::rcode;
using dns::flag::kAA;
using dns::flag::kCD;
using dns::flag::kQR;
using dns::flag::kRD;
using dns::flag::kTC;

constexpr std::uint16_t kOpcodeMask = 0x7800;
constexpr std::size_t kOptFixedSize = 11;  // root owner, type, class, TTL, RDLENGTH
constexpr std::size_t kOptionHeader = 4;

bool wants_nsid(const World& world, const dns::Query& q) {
  return q.edns.present && q.edns.nsid_requested && !world.options.nsid.empty();
}

/// RFC 6891 6.2.5: the reply may use what the client advertised, capped by our own maximum; no EDNS, 512.
/// A cap the transport learnt for this path (Client::udp_reply_cap) lowers it further, never below 512.
std::size_t udp_limit(const World& world, const dns::Query& q, const Client& client) {
  if (!q.edns.present) return dns::kMaxUdpPayloadNoEdns;
  std::size_t limit = std::max<std::size_t>(q.edns.udp_payload, dns::kMaxUdpPayloadNoEdns);
  limit = std::min<std::size_t>(limit, std::max<std::size_t>(world.options.edns_max_payload, 512));
  if (client.udp_reply_cap != 0)
    limit = std::min<std::size_t>(limit, std::max<std::size_t>(client.udp_reply_cap, 512));
  return limit;
}

constexpr std::size_t kEcsFixedSize = 4;  // family, source prefix, scope prefix

std::size_t ecs_size(const dns::Query& q) {
  return q.edns.has_ecs ? kOptionHeader + kEcsFixedSize + (q.edns.ecs.source_prefix + 7u) / 8u : 0;
}

constexpr std::size_t kCookieOptionSize = kOptionHeader + dns::kClientCookieSize + dns::kServerCookieSize;

std::size_t opt_size(const World& world, const dns::Query& q, CookieCheck cookie) {
  if (!q.edns.present) return 0;
  return kOptFixedSize + (wants_nsid(world, q) ? kOptionHeader + world.options.nsid.size() : 0) +
         ecs_size(q) + (cookie != CookieCheck::None ? kCookieOptionSize : 0);
}

/// RFC 7873 section 5.2: the client cookie echoed, then our server cookie.
void put_cookie(const dns::Query& q, const std::uint8_t* server_cookie, dns::Writer& w) {
  (void)w.put_u16(dns::edns_opt::kCookie);
  (void)w.put_u16(static_cast<std::uint16_t>(dns::kClientCookieSize + dns::kServerCookieSize));
  (void)w.put_bytes(q.edns.cookie, dns::kClientCookieSize);
  (void)w.put_bytes(server_cookie, dns::kServerCookieSize);
}

void put_opt(const World& world, const dns::Query& q, std::uint16_t rc, std::uint8_t scope,
             const std::uint8_t* server_cookie, dns::Writer& w) {
  static constexpr std::uint8_t kRoot[1] = {0};
  w.begin_section(dns::Section::Additional);
  // RFC 3225 3: DO is copied. RFC 9824 5.1: so is CO, which says that an NXDOMAIN carrying a signed
  // NXNAME NSEC is meant (only beside DO: without it there is no compact denial to signal).
  std::uint32_t ttl = (std::uint32_t{static_cast<std::uint8_t>(rc >> 4)} << 24) |
                      (q.edns.dnssec_ok ? dns::edns_flag::kDO : 0u) |
                      (q.edns.dnssec_ok && q.edns.compact_ok ? dns::edns_flag::kCO : 0u);
  if (!w.open_rr(kRoot, rrtype::kOPT, world.options.edns_max_payload, ttl)) return;
  if (wants_nsid(world, q)) {
    const std::string& nsid = world.options.nsid;
    (void)w.put_u16(dns::edns_opt::kNSID);
    (void)w.put_u16(static_cast<std::uint16_t>(nsid.size()));
    (void)w.put_bytes(reinterpret_cast<const std::uint8_t*>(nsid.data()), nsid.size());
  }
  if (q.edns.has_ecs) {
    // RFC 7871 7.2.1: echo family, source prefix and address; the scope says how far the answer holds
    // (0 for static data, or when the ECS was not used).
    const dns::ClientSubnet& ecs = q.edns.ecs;
    std::size_t address_len = (ecs.source_prefix + 7u) / 8u;
    (void)w.put_u16(dns::edns_opt::kECS);
    (void)w.put_u16(static_cast<std::uint16_t>(4 + address_len));
    (void)w.put_u16(ecs.family);
    (void)w.put_u8(ecs.source_prefix);
    (void)w.put_u8(scope);
    (void)w.put_bytes(ecs.address, address_len);
  }
  if (server_cookie) put_cookie(q, server_cookie, w);
  w.close_rr();
}

struct Decision {
  Outcome outcome;
  std::uint16_t rcode;
  bool aa;
  bool truncated;
  std::uint8_t ecs_scope = 0;
};

Decision decide(const World& world, const Client& client, Scratch& s, dns::Writer& w) noexcept {
  const dns::Query& q = s.query;
  if (q.opcode == dns::opcode::kNotify) {
    std::uint16_t rc = 0;
    s.plan.limit_name = q.lqname;
    const bool accepted = accept_notify(world, client, q, rc);
    return {accepted ? Outcome::Notify : Outcome::Refused, rc, accepted, false};
  }
  if (q.qclass == dns::rrclass::kCH) {
    bool aa = false;
    s.plan.limit_name = q.lqname;
    std::uint16_t rc = answer_chaos(world.options, q, w, aa);
    return {rc == rcode::kNoError ? Outcome::Answer : Outcome::Refused, rc, aa, false};
  }
  // QCLASS * (RFC 1035 3.2.5) matches our only data class, IN.
  if (q.qclass != dns::rrclass::kIN && q.qclass != dns::rrclass::kANY)
    return {Outcome::Refused, rcode::kRefused, false, false};
  if (q.qtype == rrtype::kAXFR || q.qtype == rrtype::kIXFR) {
    // RFC 5936 4.2: zone transfers run over TCP only.
    if (client.transport == Transport::Tcp) return {Outcome::Transfer, rcode::kNoError, true, false};
    if (q.qtype == rrtype::kIXFR) {
      s.plan.limit_name = q.lqname;
      const std::uint16_t rc = answer_udp_ixfr(world, client, q, w);
      return {rc == rcode::kNoError ? Outcome::Answer : Outcome::Refused, rc, rc == rcode::kNoError, false};
    }
    return {Outcome::NotImp, rcode::kNotImp, false, false};
  }
  // RFC 9824 3.5: NXNAME exists only in the bitmap of a compact-denial NSEC; a query for it is FORMERR.
  if (q.qtype == rrtype::kOPT || q.qtype == dnssec::kTypeNxName)
    return {Outcome::FormErr, rcode::kFormErr, false, false};
  if (dns::is_meta_qtype(q.qtype) && q.qtype != rrtype::kANY)
    return {Outcome::NotImp, rcode::kNotImp, false, false};
  const zone::Zone* zone = world.zones.find_zone(q.lqname, q.qname_len);
  if (!zone) return {Outcome::Refused, rcode::kRefused, false, false};
  // A secondary zone the primary has not confirmed within the SOA expire (RFC 1035 section 3.3.13).
  if (!world.expired.empty() && zone_expired(world, zone))
    return {Outcome::ServFail, rcode::kServFail, false, false};
  // RFC 4035 3.1.4.1: DS at a zone's apex is the parent's data; answer it from the parent when we serve it.
  if (q.qtype == rrtype::kDS && q.lqname[0] != 0 && dns::name_equal(q.lqname, zone->origin())) {
    if (const zone::Zone* parent = world.zones.find_zone(dns::parent_name(q.lqname))) zone = parent;
  }
  // RFC 4035 3.1: RRSIGs and NSECs only for a client that said it understands them (DO). CD matters to
  // resolvers, not to an authoritative server: it is echoed and changes nothing; AD is never set.
  s.plan.dnssec = q.edns.dnssec_ok && !world.signed_zones.empty() ? world.signed_zone(zone) : nullptr;
  s.plan.now = client.now;
  Outcome outcome = resolve(world, *zone, client, s);
  bool fits = encode_plan(s.plan, w);
  return {outcome, s.plan.rcode, s.plan.authoritative, !fits, s.plan.ecs_scope};
}

std::uint16_t rcode_for(dns::ParseStatus status) {
  switch (status) {
    case dns::ParseStatus::NotImp:
      return rcode::kNotImp;
    case dns::ParseStatus::BadVers:
      return rcode::kBadVers;
    default:
      return rcode::kFormErr;
  }
}

Outcome outcome_for(dns::ParseStatus status) {
  switch (status) {
    case dns::ParseStatus::NotImp:
      return Outcome::NotImp;
    case dns::ParseStatus::BadVers:
      return Outcome::BadVers;
    default:
      return Outcome::FormErr;
  }
}

}  // namespace

Reply answer(const World& world, std::span<const std::uint8_t> pkt, const Client& client, Scratch& s,
             std::span<std::uint8_t> out) noexcept {
  dns::Query& q = s.query;
  dns::ParseStatus status = dns::parse_query(pkt, q);
  if (status == dns::ParseStatus::Drop) return {0, Outcome::Drop, 0};

  const CookieCheck cookie = check_cookie(world.options.cookies, q, client, s.server_cookie);
  dns::Writer w(out.data(), std::min<std::size_t>(out.size(), dns::kMaxMessage));
  std::size_t limit = client.transport == Transport::Udp ? udp_limit(world, q, client) : dns::kMaxMessage;
  limit -= std::min<std::size_t>(client.reserve, limit - dns::kHeaderSize);
  w.begin(q.id, kQR | (q.flags & (kOpcodeMask | kRD | kCD)));
  w.set_limit(limit - opt_size(world, q, cookie));
  if (q.has_question) (void)w.put_question(q.qname, q.qtype, q.qclass);

  s.plan.record = s.plan.region = s.plan.pool = -1;  // only resolve() sets them
  s.plan.failed_open = false;
  s.plan.located = -1;
  s.plan.limit_name = nullptr;
  Decision d{outcome_for(status), rcode_for(status), false, false};
  if (status == dns::ParseStatus::Ok) d = decide(world, client, s, w);
  if (d.outcome == Outcome::Transfer) return {0, Outcome::Transfer, rcode::kNoError};

  std::uint16_t flags = w.flags() | (d.rcode & 0x0f);
  if (d.aa) flags |= kAA;
  if (d.truncated) flags |= kTC;
  w.set_flags(flags);
  w.set_limit(limit);
  const std::uint8_t* server_cookie = cookie != CookieCheck::None ? s.server_cookie : nullptr;
  if (q.edns.present) put_opt(world, q, d.rcode, d.ecs_scope, server_cookie, w);
  Reply reply{w.finish(), d.outcome, d.rcode, s.plan.record, s.plan.region, s.plan.pool};
  reply.located = s.plan.located;
  reply.cookie = cookie;
  reply.failed_open = s.plan.failed_open;
  reply.limit_name = s.plan.limit_name;
  return reply;
}

Reply slip_reply(const World& world, const Scratch& s, const Reply& reply,
                 std::span<std::uint8_t> out) noexcept {
  const dns::Query& q = s.query;
  const bool bad_cookie = reply.cookie == CookieCheck::New || reply.cookie == CookieCheck::Bad;
  const std::uint16_t rc = bad_cookie ? rcode::kBadCookie : reply.rcode;
  dns::Writer w(out.data(), std::min<std::size_t>(out.size(), dns::kMaxMessage));
  w.begin(q.id, kQR | (q.flags & (kOpcodeMask | kRD | kCD)) | (rc & 0x0f) | (bad_cookie ? 0 : kTC));
  if (q.has_question) (void)w.put_question(q.qname, q.qtype, q.qclass);
  const std::uint8_t* server_cookie = reply.cookie != CookieCheck::None ? s.server_cookie : nullptr;
  if (q.edns.present) put_opt(world, q, rc, 0, server_cookie, w);
  Reply slipped = reply;
  slipped.size = w.finish();
  slipped.rcode = rc;
  return slipped;
}

}  // namespace sgdns::engine
