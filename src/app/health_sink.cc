// SPDX-License-Identifier: MIT
// Probe results into the served health table and the endpoint metrics (health_sink.h).
#include "health_sink.h"

#include <vector>

#include "sgdns/policy/policy.h"

namespace sgdns::app {

void HealthSink::install(engine::World& world) {
  health::EndpointSet endpoints(world.policy ? world.policy->endpoints : std::vector<health::Endpoint>{});
  if (world.health) health::carry_over(endpoints_, health_.get(), endpoints, *world.health);
  endpoints_ = std::move(endpoints);
  health_ = world.health;
}

void HealthSink::on_probe(const health::Endpoint& endpoint, bool up, bool change,
                          const health::ProbeResult& result) {
  const auto same = endpoints_.with_key(endpoint.key());
  if (same.empty() || !health_) return;  // an endpoint a reload just removed
  for (const health::Endpoint* e : same) health_->set_probed(e->id, e->check, up);
  metrics_.endpoint_up.Add({{"endpoint", endpoint.name}}).Set(up ? 1 : 0);
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                                   0.25,  0.5,   1,    2.5};
  metrics_.probe_duration.Add({{"endpoint", endpoint.name}}, kBuckets).Observe(result.seconds);
  if (!result.ok)
    metrics_.probe_failures
        .Add({{"endpoint", endpoint.name}, {"reason", health::failure_name(result.failure)}})
        .Increment();
  if (change)
    metrics_.health_flips.Add({{"endpoint", endpoint.name}, {"to", up ? "up" : "down"}}).Increment();
}

}  // namespace sgdns::app
