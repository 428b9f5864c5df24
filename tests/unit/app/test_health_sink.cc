// SPDX-License-Identifier: MIT
// HealthSink: a probe result reaches every (pool, member) probing the same thing, survives a reload by
// key, and a result for an endpoint the served World no longer has is dropped.
#include <catch2/catch.hpp>

#include "app_world.h"
#include "health_sink.h"
#include "sgdns/policy/policy.h"

using namespace sgdns;
using namespace sgdns::app;
using namespace sgdns::app::testing;

namespace {

const health::Endpoint& endpoint(const engine::World& w, const std::string& name) {
  for (const health::Endpoint& e : w.policy->endpoints)
    if (e.name == name) return e;
  FAIL("no endpoint " << name);
  throw std::logic_error("unreachable");
}

bool up(const engine::World& w, const std::string& name) {
  return w.health->up(endpoint(w, name).id);
}

}  // namespace

TEST_CASE_METHOD(Bed, "HealthSink routes a result to every member probing the same thing",
                 "[app][health_sink]") {
  HealthSink sink(metrics);
  sink.install(*world);
  REQUIRE(up(*world, "primary/192.0.2.100"));

  health::ProbeResult refused{false, health::Failure::Refused, 0.01, 0, "connect: refused"};
  sink.on_probe(endpoint(*world, "primary/192.0.2.100"), false, true, refused);
  CHECK_FALSE(up(*world, "primary/192.0.2.100"));
  CHECK_FALSE(up(*world, "standby/192.0.2.100"));  // same address and check: the same probed thing
  CHECK(up(*world, "primary/192.0.2.101"));
  CHECK(up(*world, "standby/198.51.100.100"));

  const std::string scrape = metrics.scrape();
  CHECK(scrape.find(R"(sgdns_endpoint_up{endpoint="primary/192.0.2.100"} 0)") != std::string::npos);
  CHECK(scrape.find(R"(sgdns_health_flips_total{endpoint="primary/192.0.2.100",to="down"} 1)") !=
        std::string::npos);
  CHECK(scrape.find(R"(reason="refused")") != std::string::npos);
}

TEST_CASE_METHOD(Bed, "HealthSink carries probed state over a reload by key, not by name",
                 "[app][health_sink]") {
  const auto before = world;
  HealthSink sink(metrics);
  sink.install(*before);
  sink.on_probe(endpoint(*before, "primary/192.0.2.101"), false, true, {});

  // The reload drops 192.0.2.100 from primary: ids shift, the down state stays with its address.
  write_config(folder, "", R"("192.0.2.101")");
  auto after = build(config, 2);
  sink.install(*after);
  CHECK_FALSE(up(*after, "primary/192.0.2.101"));
  CHECK(up(*after, "standby/192.0.2.100"));

  // Later results go to the new table, not the old one.
  sink.on_probe(endpoint(*after, "standby/198.51.100.100"), false, true, {});
  CHECK_FALSE(up(*after, "standby/198.51.100.100"));
  CHECK(up(*before, "standby/198.51.100.100"));
}

TEST_CASE_METHOD(Bed, "HealthSink drops a result for an endpoint the World no longer has",
                 "[app][health_sink]") {
  HealthSink sink(metrics);
  sink.install(*world);
  health::Endpoint gone = endpoint(*world, "primary/192.0.2.101");
  gone.address = "192.0.2.250";  // another key
  sink.on_probe(gone, false, true, {});
  for (const health::Endpoint& e : world->policy->endpoints) CHECK(world->health->up(e.id));
  CHECK(metrics.scrape().find("192.0.2.250") == std::string::npos);
}

TEST_CASE_METHOD(Bed, "HealthSink serves what the fleet decides and keeps its own probes apart",
                 "[app][health_sink][fleet]") {
  HealthSink sink(metrics);
  sink.install(*world);
  std::map<std::string, bool> fleet_says;  // name -> up, as the quorum would decide it
  sink.set_decide([&](const std::string& name, bool own) {
    auto it = fleet_says.find(name);
    return it == fleet_says.end() ? own : it->second;
  });
  health::ProbeResult ok{true, health::Failure::None, 0.01, 0, ""};
  health::ProbeResult refused{false, health::Failure::Refused, 0.01, 0, "connect: refused"};

  // Own probe down, the fleet says up: served up, reported down, a disagreement.
  fleet_says["primary/192.0.2.101"] = true;
  sink.on_probe(endpoint(*world, "primary/192.0.2.101"), false, true, refused);
  CHECK(up(*world, "primary/192.0.2.101"));
  CHECK(sink.own().at("primary/192.0.2.101") == false);
  CHECK(sink.disagreements() == std::vector<std::string>{"primary/192.0.2.101"});

  // The fleet's view changes without a probe (another instance's report): reapply serves it.
  fleet_says["primary/192.0.2.101"] = false;
  fleet_says["standby/198.51.100.100"] = false;
  sink.reapply();
  CHECK_FALSE(up(*world, "primary/192.0.2.101"));
  CHECK_FALSE(up(*world, "standby/198.51.100.100"));
  CHECK(sink.disagreements() == std::vector<std::string>{"standby/198.51.100.100"});

  // Cut off from the fleet: the own probes decide again.
  fleet_says.clear();
  sink.on_probe(endpoint(*world, "standby/198.51.100.100"), true, false, ok);
  sink.reapply();
  CHECK_FALSE(up(*world, "primary/192.0.2.101"));
  CHECK(up(*world, "standby/198.51.100.100"));
  CHECK(sink.disagreements().empty());
}
