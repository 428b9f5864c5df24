// SPDX-License-Identifier: MIT
// Response rate limiting settings (docs/configuration.md `rrl`): part of the World, so a reload changes
// them; only the table size needs a restart.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sgdns/dns/prefix.h"

namespace sgdns::rrl {

struct Settings {
  /// On by default, as NSD ships it: an authoritative server on the Internet is a reflector otherwise.
  bool enabled = true;
  /// Responses per second per bucket (client network, response kind, name). NSD's default: no resolver
  /// asks one server for one name this often from one /24 once it caches, a reflection flood does.
  std::uint32_t rate = 200;
  /// Seconds of `rate` a quiet bucket may spend at once: the burst a resolver farm may send after a cold
  /// start. One second keeps a flood's first burst as small as its steady rate.
  std::uint32_t window = 1;
  /// Every slip-th limited response is sent truncated (TC) instead of dropped, so a real resolver whose
  /// address is forged by someone else still gets an answer over TCP; 0 = drop all, 1 = truncate all.
  /// 2 halves what a reflector sends and keeps the TCP fallback quick (NSD, Knot and BIND use 2 or 1).
  std::uint32_t slip = 2;
  /// Client networks that share a bucket: an attacker controls whole networks, not single addresses.
  std::uint8_t ipv4_prefix = 24;
  std::uint8_t ipv6_prefix = 56;  // a residential IPv6 delegation; Knot uses /56 too
  /// Clients never limited (monitoring, a trusted secondary, a load balancer's health checks).
  std::vector<dns::Prefix> exempt;
  /// Buckets in the shared table (a power of two; 8 bytes each, touched only as used). Read at start.
  /// 2^18 (2 MiB) tracks 262,144 (network, kind, name) keys at once (Knot's default is 393,241), and
  /// stays in cache beside the zone: at 2^20 every reply of a benchmark mix over 100,000 names missed the
  /// cache, 76 ns per reply instead of 45 (bench/RESULTS.md, 2026-11-30).
  std::size_t table_size = std::size_t{1} << 18;
};

}  // namespace sgdns::rrl
