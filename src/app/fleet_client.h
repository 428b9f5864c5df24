// SPDX-License-Identifier: MIT
// FleetClient: this instance's link to etcd (app-private). Two threads of its own, never a query thread:
// the watcher reads the deployment's prefix once, then follows it with a watch from the next revision
// (after a break it resumes from the last revision it saw, or reads the range again when etcd compacted
// past it) and hands every change to `deliver`; the heartbeat thread keeps this instance's lease alive and
// writes its heartbeat and health report under it. Admin writes (overrides) run on the caller's thread with
// a compare-and-swap on the key's revision. When etcd is away the last delivered state stays in force.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "etcd_client.h"
#include "etcd_json.h"
#include "fleet_keys.h"
#include "sgdns/config/config.h"

namespace sgdns::app::fleet {

/// What the watcher saw: the whole prefix (`full`, after a first read or a compaction) or some events.
struct Update {
  bool full = false;
  std::int64_t revision = 0;
  std::vector<etcd::KeyValue> kvs;       // full
  std::vector<etcd::WatchEvent> events;  // not full
};

/// What this instance publishes under its lease, asked for before each heartbeat (nullopt: stopping).
struct Publication {
  std::string heartbeat;              // instances/<name> value
  std::optional<std::string> health;  // health/<name> value, with shared_health
};

class FleetClient {
 public:
  /// How often the heartbeat is written; the lease outlives three missed beats.
  static constexpr int kHeartbeatMs = config::kFleetHeartbeatMs;
  static constexpr int kLeaseSeconds = 5;

  FleetClient(config::FleetConfig config, std::function<void(Update)> deliver,
              std::function<std::optional<Publication>()> publication);
  ~FleetClient();
  FleetClient(const FleetClient&) = delete;
  FleetClient& operator=(const FleetClient&) = delete;

  void start();
  /// Ends both threads (an open watch is cut); idempotent.
  void stop();

  /// The watch is open and the last heartbeat got through: changes reach this instance.
  [[nodiscard]] bool connected() const noexcept { return connected_.load(); }
  [[nodiscard]] std::int64_t revision() const noexcept { return revision_.load(); }
  [[nodiscard]] const config::FleetConfig& config() const noexcept { return config_; }

  /// The outcome of a write: `status` 200, 404 (nothing to clear), 409 (changed meanwhile), 503 (etcd
  /// unreachable: nothing was written).
  struct Written {
    int status = 200;
    std::string error;
  };
  /// Writes `o` (with its audit entry) unless the key changed since it was read.
  Written set_override(const Override& o, const std::string& requester);
  Written clear_override(const std::string& pool, const std::string& member, const std::string& requester);

 private:
  void watch_loop();
  void heartbeat_loop();
  /// One read of the prefix, delivered whole.
  void read_range(etcd::EtcdClient& client);
  /// Sleeps up to `ms` unless stopping; false when stopping.
  bool pause(int ms);

  config::FleetConfig config_;
  std::function<void(Update)> deliver_;
  std::function<std::optional<Publication>()> publication_;
  std::string password_;  // read once at start: the threads run after privileges are dropped
  std::atomic<bool> stopping_{false};
  /// Ends the open watch: set by stop(), and by a failed heartbeat, because a watch over a connection
  /// whose peer vanished without a reset (a partition) would otherwise wait forever.
  std::atomic<bool> abort_watch_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::int64_t> revision_{0};
  std::mutex wait_mu_;
  std::condition_variable wake_;
  std::mutex writer_mu_;  // admin writes come from civetweb's threads: one client, one at a time
  etcd::EtcdClient writer_;
  std::thread watcher_, heartbeat_;
};

}  // namespace sgdns::app::fleet
