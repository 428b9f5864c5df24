// SPDX-License-Identifier: MIT
// One identity for a probed endpoint (Endpoint::key), the reload carry-over of the health table by it,
// and the TTL arithmetic the table's caps and the engine's answers share.
#include <catch2/catch.hpp>

#include "sgdns/health/endpoint_set.h"
#include "sgdns/health/schedule.h"

using namespace sgdns::health;

namespace {

Endpoint endpoint(std::uint32_t id, const std::string& name, const std::string& address) {
  Endpoint e;
  e.id = id;
  e.name = name;
  e.address = address;
  e.check.type = CheckType::Http;
  e.check.port = 8080;
  e.check.path = "/healthz";
  return e;
}

}  // namespace

TEST_CASE("Endpoint::key: what is probed, not what it is called or how often", "[health]") {
  const Endpoint a = endpoint(1, "edge-eu/192.0.2.1", "192.0.2.1");
  Endpoint renamed = a;
  renamed.id = 9;
  renamed.name = "europe/192.0.2.1";
  CHECK(renamed.key() == a.key());
  Endpoint rescheduled = a;
  rescheduled.check.interval_ms = 5000;
  rescheduled.check.timeout_ms = 900;
  rescheduled.check.fall = 5;
  rescheduled.check.rise = 1;
  CHECK(rescheduled.key() == a.key());

  auto differs = [&](auto change) {
    Endpoint other = a;
    change(other);
    return other.key() != a.key();
  };
  CHECK(differs([](Endpoint& e) { e.address = "192.0.2.2"; }));
  CHECK(differs([](Endpoint& e) { e.check.type = CheckType::Tcp; }));
  CHECK(differs([](Endpoint& e) { e.check.port = 80; }));
  CHECK(differs([](Endpoint& e) { e.check.path = "/"; }));
  CHECK(differs([](Endpoint& e) { e.check.host = "edge.example"; }));
  CHECK(differs([](Endpoint& e) { e.check.expect = {200, 204}; }));
  CHECK(differs([](Endpoint& e) { e.check.body_contains = "ok"; }));
  CHECK(differs([](Endpoint& e) { e.check.verify_tls = false; }));
  // Fields cannot run into each other: a path ending where a host begins is still two fields.
  CHECK(differs([](Endpoint& e) {
    e.check.path = "/healthz\nx";
    e.check.host = "";
  }));
}

TEST_CASE("EndpointSet: every endpoint of a key, in policy order", "[health]") {
  EndpointSet set({endpoint(3, "a/192.0.2.1", "192.0.2.1"), endpoint(4, "b/192.0.2.2", "192.0.2.2"),
                   endpoint(5, "c/192.0.2.1", "192.0.2.1")});
  auto shared = set.with_key(endpoint(0, "", "192.0.2.1").key());
  REQUIRE(shared.size() == 2);
  CHECK(shared[0]->id == 3);
  CHECK(shared[1]->id == 5);
  CHECK(set.with_key(endpoint(0, "", "192.0.2.9").key()).empty());
}

TEST_CASE("carry_over: a reload keeps what was probed, by key, and starts the rest afresh", "[health]") {
  EndpointSet before({endpoint(0, "edge-eu/192.0.2.1", "192.0.2.1"),
                      endpoint(1, "edge-eu/192.0.2.2", "192.0.2.2"),
                      endpoint(2, "edge-us/192.0.2.3", "192.0.2.3")});
  HealthTable old(3);
  for (const Endpoint& e : before.all()) old.set_probed(e.id, e.check, true);
  old.set_probed(0, before.all()[0].check, false);  // 192.0.2.1 is down
  old.set_probed(2, before.all()[2].check, false);  // 192.0.2.3 is down

  Endpoint renamed = endpoint(5, "europe/192.0.2.1", "192.0.2.1");   // same probe, pool renamed
  Endpoint recheck = endpoint(6, "edge-us/192.0.2.3", "192.0.2.3");  // same name, another check
  recheck.check.path = "/ready";
  Endpoint fresh = endpoint(7, "edge-ap/192.0.2.9", "192.0.2.9");
  fresh.check.start_up = false;
  Endpoint kept = endpoint(4, "edge-eu/192.0.2.2", "192.0.2.2");
  kept.check.fall = 4;  // a schedule change keeps the state; the cap follows the new schedule
  EndpointSet after({renamed, recheck, fresh, kept});
  HealthTable table(8);
  carry_over(before, &old, after, table);

  CHECK_FALSE(table.probed_up(5));  // the state followed the probe, not the name
  CHECK(table.probed_up(6));        // a changed check is a new probe: its start-up state
  CHECK_FALSE(table.probed_up(7));  // start_up = false
  CHECK(table.probed_up(4));
  CHECK(table.ttl_cap(5) == seconds_to_change(renamed.check, false));
  CHECK(table.ttl_cap(4) == seconds_to_change(kept.check, true));
  CHECK(table.ttl_cap(7) == seconds_to_change(fresh.check, false));

  HealthTable first(8);  // the first load: no table before, every endpoint in its start-up state
  carry_over(EndpointSet{}, nullptr, after, first);
  CHECK(first.probed_up(5));
  CHECK_FALSE(first.probed_up(7));
}

TEST_CASE("HealthTable: overrides beat probes and lift the TTL cap", "[health]") {
  HealthTable t(2);
  CheckSpec c;
  t.set_probed(0, c, false);
  CHECK_FALSE(t.up(0));
  CHECK(t.ttl_cap(0) == seconds_to_change(c, false));
  t.set_forced(0, HealthTable::Forced::Up);
  CHECK(t.up(0));
  CHECK_FALSE(t.probed_up(0));
  CHECK(t.ttl_cap(0) == HealthTable::kNoCap);
  t.set_forced(0, HealthTable::Forced::None);
  CHECK_FALSE(t.up(0));
  CHECK(t.up(7));  // an id the table does not have is up and uncapped
  CHECK(t.ttl_cap(7) == HealthTable::kNoCap);
}

TEST_CASE("answer_ttl: the record's TTL, lowered to the cap, never below min_ttl", "[health]") {
  CHECK(answer_ttl(30, 5, HealthTable::kNoCap) == 30);
  CHECK(answer_ttl(30, 5, 12) == 12);
  CHECK(answer_ttl(30, 5, 2) == 5);
  CHECK(answer_ttl(30, 5, 30) == 30);
  CHECK(answer_ttl(4, 4, 1) == 4);
}
