// SPDX-License-Identifier: MIT
// When each signed zone with secondaries got the serial it serves; see signed_serial_age.h.
#include "signed_serial_age.h"

#include <algorithm>

namespace sgdns::app {

void SignedSerialAge::update(const engine::World& world, double now) {
  std::map<std::string, std::pair<std::uint32_t, double>> next;
  for (const auto& signed_zone : world.signed_zones) {
    const zone::Zone& z = signed_zone->zone();
    const engine::ZoneReplication* r = world.replication_of(&z);
    if (r == nullptr || (!r->transfer_set && r->notify.empty())) continue;  // no secondaries to age
    const std::string origin = z.origin_text();
    double since = now;
    auto old = since_.find(origin);
    if (old != since_.end() && old->second.first == z.serial()) {
      since = old->second.second;
    } else if (old == since_.end() && !z.sources().empty()) {
      // The top zone file, as the reader found it: no second stat().
      since = std::min(now, static_cast<double>(z.sources().front().mtime_ns) / 1e9);
    }
    next[origin] = {z.serial(), since};
    metrics_.zone_signed_serial_since.Add({{"zone", origin}}).Set(since);
  }
  for (const auto& [origin, entry] : since_) {
    if (next.count(origin) == 0)
      metrics_.zone_signed_serial_since.Remove(&metrics_.zone_signed_serial_since.Add({{"zone", origin}}));
  }
  since_ = std::move(next);
}

}  // namespace sgdns::app
