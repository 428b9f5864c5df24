// SPDX-License-Identifier: MIT
// Prober: probes every endpoint on its own libuv loop thread (TCP connect via libuv, HTTP and HTTPS via
// libcurl's multi interface driven by the same loop), applies rise/fall, and reports state changes.
//
// No thread per check: thousands of endpoints share one loop. A failed probe is re-checked after
// `recheck_ms`; a probe still unanswered after half its timeout starts the next one at once ("suspect"),
// so a hung backend reaches `fall` failures about one timeout after the first probe that hung.
//
// Exact schedule per endpoint: the first probe at a random point of [0, interval); after each result the
// next one interval + random(0..jitter) later, or recheck_ms later after a failure that leaves the
// endpoint up (a fall streak is building). The suspect rule applies while the endpoint is up (a hanging
// probe cannot bring a down one up); at most 2 probes per endpoint are in flight, and results are
// applied in completion order.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sgdns/health/check.h"

namespace sgdns::health {

/// What status pages show for one endpoint.
struct EndpointStatus {
  std::uint32_t id = 0;
  std::string name;
  std::string address;
  bool up = true;
  double since = 0;       // unix time of the last state change (or of the start)
  double last_check = 0;  // unix time of the last result, 0 before the first
  ProbeResult last_result;
  std::uint64_t probes = 0;
  std::uint64_t failures = 0;
};

class Prober {
 public:
  /// Called on the prober thread for every state change and for every result (change == false); must
  /// be quick and thread-safe (it typically stores into the health table and bumps counters).
  ///
  /// Exact call pattern: exactly one call per applied probe result, in completion order; `up` is the
  /// state after the result and `change` is true when that very result flipped it. Results of probes
  /// abandoned by set_endpoints() or stop() are never reported. The listener must not call stop().
  using Listener = std::function<void(const Endpoint&, bool up, bool change, const ProbeResult&)>;

  explicit Prober(Listener listener);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  /// Starts the loop thread. Endpoints start in their check's start-up state (no false failover at boot).
  void start();
  /// Replaces the set of endpoints (on reload). Endpoints with the same Endpoint::key() as before keep
  /// their state and streak; new ones start in their start-up state. Thread-safe; returns at once.
  void set_endpoints(std::vector<Endpoint> endpoints);
  /// Snapshot of every endpoint's status. Thread-safe. Reflects a set_endpoints() call once the loop
  /// thread has applied it (promptly after start()).
  [[nodiscard]] std::vector<EndpointStatus> status() const;
  /// Stops probing and joins the thread; in-flight probes are abandoned.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sgdns::health
