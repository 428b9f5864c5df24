// SPDX-License-Identifier: MIT
// Replication: what the control side does for secondaries when the served World changes (app-private,
// control thread only). It writes each zone's IXFR journal to disk, sends NOTIFY for every zone whose
// serial changed (and for all of them at start), and hears the NOTIFYs the query threads accepted, which
// they post to the control thread rather than call in here.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "sgdns/config/config.h"
#include "sgdns/engine/world.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/net/notifier.h"

namespace sgdns::app {

class Replication {
 public:
  /// The first World is served: journals saved, NOTIFY to every target. At start too, as BIND does: a
  /// secondary that missed a change made while we were stopped learns of it now rather than at its next
  /// SOA refresh.
  void started(const config::Config& config, const engine::World& world);
  /// `after` replaced `before`: changed journals saved, NOTIFY for each zone whose serial moved (or is new).
  void reloaded(const config::Config& config, const engine::World& before, const engine::World& after);
  /// A query thread accepted a NOTIFY for `origin` (text) from that zone's primary: logged and counted
  /// (the refresh it asks for is Secondaries').
  void notified(const std::string& origin);
  /// For sgdns_notifies_total; any thread.
  [[nodiscard]] metrics::Metrics::NotifyTotals totals() const noexcept;

 private:
  net::Notifier notifier_;  // its own thread sends and retries; notify() only queues
  std::atomic<std::uint64_t> received_{0};
};

}  // namespace sgdns::app
