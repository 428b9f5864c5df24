// SPDX-License-Identifier: MIT
// A paced UDP query stream for rate-limiting tests: one query sent at a fixed rate from one source address
// for a while, every reply recorded with when it came and what it was.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dns_client.h"

namespace sgdns::test {

struct FloodReply {
  double at = 0;  // seconds since the first query
  std::size_t size = 0;
  bool tc = false;
  unsigned rcode = 0;           // the header's 4 bits (BADCOOKIE shows as 7 here; see `extended_rcode`)
  unsigned extended_rcode = 0;  // with the OPT record's upper bits, when there is one
  uint16_t ancount = 0;
  /// A full answer: NOERROR, not truncated, with answer records.
  bool full() const { return rcode == 0 && !tc && ancount > 0; }
};

struct FloodResult {
  std::size_t sent = 0;
  std::vector<FloodReply> replies;
  std::size_t bytes() const;
  std::size_t full() const;
  std::size_t truncated() const;
  /// Full answers that arrived in [from, to) seconds.
  std::size_t full_between(double from, double to) const;
};

/// Sends `query` (each copy with its own ID) to `to` at `qps` for `duration`, from `to.bind_host` when set,
/// on one socket (one source port), and collects replies until `duration` plus `linger` has passed.
FloodResult udp_flood(const Endpoint& to, const Bytes& query, double qps, Millis duration,
                      Millis linger = Millis(500));

}  // namespace sgdns::test
