// SPDX-License-Identifier: MIT
// The replication decisions of the query path: NOTIFY received, IXFR over UDP, expired secondary zones.
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "encode.h"
#include "sgdns/dns/types.h"
#include "special.h"

namespace sgdns::engine {
namespace {

/// Same IP address, whatever the ports.
bool same_ip(const sockaddr* a, const sockaddr* b) noexcept {
  if (!a || !b || a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET)
    return std::memcmp(&reinterpret_cast<const sockaddr_in*>(a)->sin_addr,
                       &reinterpret_cast<const sockaddr_in*>(b)->sin_addr, 4) == 0;
  if (a->sa_family == AF_INET6)
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(b)->sin6_addr, 16) == 0;
  return false;
}

}  // namespace

bool accept_notify(const World& world, const Client& client, const dns::Query& q,
                   std::uint16_t& rcode) noexcept {
  rcode = dns::rcode::kRefused;
  const zone::Zone* zone = world.zones.exact(q.lqname);
  const ZoneReplication* rep = zone ? world.replication_of(zone) : nullptr;
  if (!rep || !rep->primary || q.qclass != dns::rrclass::kIN) return false;
  if (!same_ip(client.address, rep->primary->address.get())) return false;
  if (!rep->primary->key.empty() && (!client.key || client.key->name_text != rep->primary->key)) return false;
  rcode = dns::rcode::kNoError;
  return true;
}

std::uint16_t answer_udp_ixfr(const World& world, const Client& client, const dns::Query& q, dns::Writer& w) {
  const zone::Zone* zone = world.zones.exact(q.lqname);
  if (!zone || !transfer_allowed(world, *zone, client)) return dns::rcode::kRefused;
  const zone::RRset* soa = zone->find_rrset(zone->apex(), dns::rrtype::kSOA);
  w.begin_section(dns::Section::Answer);
  (void)put_rrset(w, PlanItem{zone, soa, zone->origin(), soa->ttl});
  return dns::rcode::kNoError;
}

bool zone_expired(const World& world, const zone::Zone* zone) noexcept {
  return std::find(world.expired.begin(), world.expired.end(), zone) != world.expired.end();
}

}  // namespace sgdns::engine
