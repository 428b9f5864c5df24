// SPDX-License-Identifier: MIT
// When each signed zone with secondaries got the serial it serves (app-private, control thread only).
// Stock secondaries transfer again only when the serial rises, and sgdns never changes the operator's
// serial, so their copies' signatures (at least 7 days left at transfer) age with it: the
// SgdnsSignedZoneSerialStale alert compares this time with the clock.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "sgdns/engine/world.h"
#include "sgdns/metrics/metrics.h"

namespace sgdns::app {

class SignedSerialAge {
 public:
  explicit SignedSerialAge(metrics::Metrics& metrics) : metrics_(metrics) {}

  /// After `world` is installed: a signed zone with transfer rules or notify targets keeps the time its
  /// serial was first served here; a new serial is dated `now`. At start (a zone not seen yet) the zone
  /// file's modification time as it was read stands in: the serial was set when the file was last edited.
  void update(const engine::World& world, double now);

 private:
  metrics::Metrics& metrics_;
  std::map<std::string, std::pair<std::uint32_t, double>> since_;  // origin -> (serial, since)
};

}  // namespace sgdns::app
