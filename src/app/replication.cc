// SPDX-License-Identifier: MIT
// Journals written and NOTIFY sent when the served World changes (replication.h).
#include "replication.h"

#include "sgdns/util/log.h"
#include "sgdns/world/build.h"

namespace sgdns::app {

void Replication::started(const config::Config& config, const engine::World& world) {
  for (const auto& p : sgdns::world::save_journals(config, nullptr, world)) log::warn(p);
  notifier_.notify_all(world);
}

void Replication::reloaded(const config::Config& config, const engine::World& before,
                           const engine::World& after) {
  for (const auto& p : sgdns::world::save_journals(config, &before, after)) log::warn(p);
  for (const auto& [z, rep] : after.replication) {
    if (rep.notify.empty()) continue;
    const zone::Zone* old = before.zones.exact(z->origin());
    if (!old || old->serial() != z->serial()) notifier_.notify(*z, rep.notify, after.keys);
  }
}

void Replication::notified(const std::string& origin) {
  received_.fetch_add(1, std::memory_order_relaxed);
  log::info("NOTIFY received for " + origin + " from its primary: refreshing");
}

metrics::Metrics::NotifyTotals Replication::totals() const noexcept {
  const net::NotifyCounters& c = notifier_.counters();
  return {c.sent.load(std::memory_order_relaxed), c.acknowledged.load(std::memory_order_relaxed),
          c.failed.load(std::memory_order_relaxed), received_.load(std::memory_order_relaxed)};
}

}  // namespace sgdns::app
