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
  // Own state of what is new comes from the table (the check's start_up state, or what was carried over).
  std::map<std::string, bool> own;
  for (const health::Endpoint& e : endpoints_.all()) {
    auto it = own_.find(e.name);
    own[e.name] = it != own_.end() ? it->second : (!health_ || health_->probed_up(e.id));
  }
  own_ = std::move(own);
  reapply();
}

void HealthSink::reapply() {
  if (!health_) return;
  for (const health::Endpoint& e : endpoints_.all()) {
    const bool own = own_.count(e.name) ? own_.at(e.name) : health_->probed_up(e.id);
    const bool served = decide_ ? decide_(e.name, own) : own;
    if (served != health_->probed_up(e.id)) {
      health_->set_probed(e.id, e.check, served);
      metrics_.endpoint_up.Add({{"endpoint", e.name}}).Set(served ? 1 : 0);
    }
  }
}

std::vector<std::string> HealthSink::disagreements() const {
  std::vector<std::string> out;
  if (!health_) return out;
  for (const health::Endpoint& e : endpoints_.all()) {
    auto it = own_.find(e.name);
    if (it != own_.end() && it->second != health_->probed_up(e.id)) out.push_back(e.name);
  }
  return out;
}

void HealthSink::on_probe(const health::Endpoint& endpoint, bool up, bool change,
                          const health::ProbeResult& result) {
  const auto same = endpoints_.with_key(endpoint.key());
  if (same.empty() || !health_) return;  // an endpoint a reload just removed
  for (const health::Endpoint* e : same) {
    own_[e->name] = up;
    health_->set_probed(e->id, e->check, decide_ ? decide_(e->name, up) : up);
    metrics_.endpoint_up.Add({{"endpoint", e->name}}).Set(health_->probed_up(e->id) ? 1 : 0);
  }
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
