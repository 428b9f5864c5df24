// SPDX-License-Identifier: MIT
// World: everything a query reads, built at load and published as one immutable snapshot.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sgdns/dns/prefix.h"
#include "sgdns/policy/policy.h"
#include "sgdns/zone/zone_set.h"

namespace sgdns::engine {

using Prefix = dns::Prefix;

struct Options {
  std::string nsid;  // RFC 5001 identifier; empty = do not answer NSID
  std::uint16_t edns_max_payload = 1232;
  bool chaos_enabled = true;            // answer CH TXT version.bind / id.server, else REFUSED
  std::string chaos_version = "sgdns";  // version.bind / version.server
  std::string chaos_identity;           // id.server / hostname.bind; empty = the NSID, else REFUSED
  std::vector<Prefix> axfr_allow;       // loopback is always allowed
};

struct World {
  std::uint64_t generation = 0;
  zone::ZoneSet zones;
  Options options;
  /// Dynamic records and their compiled geo maps; null when none are configured.
  std::shared_ptr<const policy::Policy> policy;
  /// Member health, indexed by the policy's health ids; shared with the prober, never null with a policy.
  std::shared_ptr<policy::HealthTable> health;
};

}  // namespace sgdns::engine
