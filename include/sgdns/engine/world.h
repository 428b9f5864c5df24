// SPDX-License-Identifier: MIT
// World: everything a query reads, built at load and published as one immutable snapshot.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sgdns/zone/zone_set.h"

namespace sgdns::engine {

/// An address prefix (IPv4 in the first 4 bytes when family is 4).
struct Prefix {
  int family = 4;  // 4 or 6
  std::uint8_t bytes[16] = {};
  int length = 0;
};

struct Options {
  std::string nsid;  // RFC 5001 identifier; empty = do not answer NSID
  std::uint16_t edns_max_payload = 1232;
  bool chaos_enabled = true;            // answer CH TXT version.bind / id.server, else REFUSED
  std::string chaos_version = "sgdns";  // version.bind / version.server
  std::string chaos_identity;           // id.server / hostname.bind; empty = the NSID, or REFUSED
  std::vector<Prefix> axfr_allow;       // loopback is always allowed
};

struct World {
  std::uint64_t generation = 0;
  zone::ZoneSet zones;
  Options options;
};

}  // namespace sgdns::engine
