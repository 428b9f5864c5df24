// SPDX-License-Identifier: MIT
// HealthSink: where probe results land (app-private, control thread only). It routes each result by
// Endpoint::key() to every (pool, member) of the installed World that probes that same thing, and keeps
// the per-endpoint metrics.
#pragma once
#include <memory>

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

 private:
  metrics::Metrics& metrics_;
  health::EndpointSet endpoints_;  // of the installed World, by Endpoint::key()
  std::shared_ptr<health::HealthTable> health_;
};

}  // namespace sgdns::app
