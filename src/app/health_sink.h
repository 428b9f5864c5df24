// SPDX-License-Identifier: MIT
// HealthSink: where probe results land (app-private, control thread only). It routes each result by
// Endpoint::key() to every (pool, member) of the installed World that probes that same thing, and keeps
// the per-endpoint metrics. With the fleet's shared health view a `decide` function turns each member's own
// probed state into the served one; without it (or cut off from etcd) the own probes decide.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sgdns/engine/world.h"
#include "sgdns/health/check.h"
#include "sgdns/health/endpoint_set.h"
#include "sgdns/health/table.h"
#include "sgdns/metrics/metrics.h"

namespace sgdns::app {

class HealthSink {
 public:
  explicit HealthSink(metrics::Metrics& metrics) : metrics_(metrics) {}

  /// `world` is about to be served: its health table gets the probed state of every endpoint whose key
  /// was probed before (health::carry_over), and later results go to it.
  void install(engine::World& world);
  /// One probe result; `change` when it flipped the endpoint's state. A result for an endpoint the
  /// installed World no longer has is dropped.
  void on_probe(const health::Endpoint& endpoint, bool up, bool change, const health::ProbeResult& result);

  /// (endpoint name "pool/member", own probed up) -> served up. Empty: own probes decide.
  using Decide = std::function<bool(const std::string& name, bool own_up)>;
  void set_decide(Decide decide) { decide_ = std::move(decide); }
  /// Serves every endpoint again under the current decision (the fleet's view changed).
  void reapply();
  /// Own probed state per endpoint name, what this instance reports to the fleet.
  [[nodiscard]] const std::map<std::string, bool>& own() const noexcept { return own_; }
  /// Endpoints whose served state is not what this instance's own probes say.
  [[nodiscard]] std::vector<std::string> disagreements() const;

 private:
  metrics::Metrics& metrics_;
  health::EndpointSet endpoints_;  // of the installed World, by Endpoint::key()
  std::shared_ptr<health::HealthTable> health_;
  std::map<std::string, bool> own_;  // by Endpoint::name
  Decide decide_;
};

}  // namespace sgdns::app
