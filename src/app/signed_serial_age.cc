// SPDX-License-Identifier: MIT
// When each signed zone with secondaries got the serial it serves; see signed_serial_age.h.
#include "signed_serial_age.h"

#include <sys/stat.h>

#include <algorithm>

namespace sgdns::app {
namespace {

/// The file's modification time in seconds, or `otherwise` when it cannot be read.
double modified(const std::string& path, double otherwise) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return otherwise;
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
}

}  // namespace

void SignedSerialAge::update(const engine::World& world, const config::Config& config, double now) {
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
    } else if (old == since_.end()) {
      for (const config::ZoneSource& source : config.zones) {
        if (source.origin == origin) since = std::min(now, modified(source.file, now));
      }
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
