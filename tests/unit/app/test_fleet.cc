// SPDX-License-Identifier: MIT
// The fleet's pure pieces: key layout, stored values read back strictly, the quorum rule, the view kept
// from watch updates and the straggler report.
#include <catch2/catch.hpp>

#include "fleet_keys.h"
#include "fleet_status.h"
#include "fleet_view.h"

using namespace sgdns::app;
using namespace sgdns::app::fleet;

namespace {

etcd::KeyValue kv(std::string key, std::string value, std::int64_t rev = 1) {
  return {std::move(key), std::move(value), rev, 0};
}

}  // namespace

TEST_CASE("keys name one thing each, whatever the names hold", "[app][fleet]") {
  CHECK(override_key("/p", "edge/eu", "a%b") == "/p/overrides/edge%2Feu/a%25b");
  const ParsedKey k = parse_key("/p", override_key("/p", "edge/eu", "a%b"));
  CHECK(k.kind == KeyKind::Override);
  CHECK(k.name == "edge/eu/a%b");
  CHECK(parse_key("/p", instance_key("/p", "ns1")).kind == KeyKind::Instance);
  CHECK(parse_key("/p", health_key("/p", "ns1")).name == "ns1");
  CHECK(parse_key("/p", audit_key("/p", 1.5, "ns1")).kind == KeyKind::Audit);
  CHECK(audit_key("/p", 1.5, "n") < audit_key("/p", 10, "n"));  // sorted by time
  for (const char* other : {"/p", "/p/", "/px/overrides/a/b", "/p/overrides/a", "/p/overrides/a/b/c",
                            "/p/instances/", "/p/unknown/x", "/q/instances/a"})
    CHECK(parse_key("/p", other).kind == KeyKind::Other);
}

TEST_CASE("override values round-trip and are read strictly", "[app][fleet]") {
  StoredOverride s{{"edge", "192.0.2.1", false, "maintenance", 100.5, 200}, "ns1", "127.0.0.1:5555"};
  const StoredOverride back = parse_override_value(override_value(s));
  CHECK(back.o.key() == "edge/192.0.2.1");
  CHECK_FALSE(back.o.up);
  CHECK(back.o.reason == "maintenance");
  CHECK(back.o.expires == 200);
  CHECK(back.instance == "ns1");
  CHECK(back.requester == "127.0.0.1:5555");
  for (const char* bad :
       {"", "[]", "{}", R"({"pool":"a","member":"b"})", R"({"pool":"a","member":"b","state":"sideways"})",
        R"({"pool":"","member":"b","state":"up"})", R"({"pool":"a","member":"b","state":"up","set_at":-1})",
        R"({"pool":"a","member":7,"state":"up"})"})
    CHECK_THROWS_AS(parse_override_value(bad), std::runtime_error);
  CHECK(parse_health_value(health_value({{"p/m", false}, {"p/n", true}}, 1)).at("p/m") == false);
  CHECK_THROWS_AS(parse_health_value(R"({"members":{"p/m":true}})"), std::runtime_error);
  CHECK_THROWS_AS(parse_instance_value(R"({"nsid":"x"})"), std::runtime_error);
}

TEST_CASE("down fleet-wide needs the quorum of reporting instances", "[app][fleet]") {
  CHECK(down_by_quorum(2, 3, 2));
  CHECK_FALSE(down_by_quorum(1, 3, 2));
  CHECK(down_by_quorum(1, 1, 2));  // the only instance left follows its own probes
  CHECK_FALSE(down_by_quorum(0, 1, 2));
  CHECK_FALSE(down_by_quorum(0, 0, 1));
  CHECK(down_by_quorum(3, 5, 3));
  CHECK_FALSE(down_by_quorum(2, 5, 3));
}

TEST_CASE("the view follows a full read, puts and deletes, and skips broken values", "[app][fleet]") {
  FleetView view("/p");
  Update full;
  full.full = true;
  full.revision = 5;
  full.kvs = {kv(override_key("/p", "edge", "192.0.2.1"),
                 override_value({{"edge", "192.0.2.1", false, "", 42, 0}, "ns1", "x"})),
              kv(override_key("/p", "edge", "192.0.2.2"), "not json"),
              kv(override_key("/p", "edge", "192.0.2.3"),
                 override_value({{"edge", "192.0.2.9", false, "", 1, 0}, "ns1", "x"})),
              kv(instance_key("/p", "ns1"), R"({"instance":"ns1"})"),
              kv(health_key("/p", "ns2"), health_value({{"edge/192.0.2.1", false}}, 1))};
  CHECK(view.apply(full) == 42);
  CHECK(view.revision() == 5);
  REQUIRE(view.overrides().size() == 1);  // the unreadable and the misnamed value are left out
  CHECK(view.overrides().count("edge/192.0.2.1"));
  CHECK(view.instances().count("ns1"));
  CHECK(view.health().at("ns2").at("edge/192.0.2.1") == false);

  Update events;
  events.revision = 7;
  events.events = {{true, kv(override_key("/p", "edge", "192.0.2.1"), "", 6)},
                   {true, kv(instance_key("/p", "ns1"), "", 7)}};
  view.apply(events);
  CHECK(view.overrides().empty());
  CHECK(view.instances().empty());
  CHECK(view.revision() == 7);
  // A compaction's full read replaces everything, including what was deleted meanwhile.
  Update again;
  again.full = true;
  again.revision = 9;
  view.apply(again);
  CHECK(view.health().empty());
}

TEST_CASE("the fleet report flags the minority configuration, old serials and disagreements",
          "[app][fleet]") {
  auto beat = [](const char* name, const char* digest, std::uint32_t serial) {
    return nlohmann::json::parse(
        heartbeat_json({name, name, "1.0", "c", digest, "g", {{"example.", serial}}, {}, false, 0, 100}));
  };
  std::map<std::string, nlohmann::json> instances = {
      {"ns1", beat("ns1", "aaa", 5)}, {"ns2", beat("ns2", "aaa", 5)}, {"ns3", beat("ns3", "bbb", 4)}};
  instances["ns2"]["health_disagreements"] = {"edge/192.0.2.1"};
  const nlohmann::json r = fleet_report(instances, "ns1", true, 12, 101, 3);
  CHECK(r["flagged"] == 2);
  const auto& list = r["instances"];
  CHECK(list[0]["flags"].empty());
  CHECK(list[0]["self"] == true);
  REQUIRE(list[1]["flags"].size() == 1);
  CHECK(list[1]["flags"][0].get<std::string>().find("disagree") != std::string::npos);
  REQUIRE(list[2]["flags"].size() == 2);
  CHECK(list[2]["flags"][0].get<std::string>().find("config differs") != std::string::npos);
  CHECK(list[2]["flags"][1].get<std::string>().find("serial 4 behind 5") != std::string::npos);
  // A stale heartbeat is flagged; with no majority no digest is.
  const nlohmann::json late =
      fleet_report({{"a", beat("a", "x", 1)}, {"b", beat("b", "y", 1)}}, "a", false, 1, 110, 3);
  CHECK(late["instances"][0]["flags"].size() == 1);
  CHECK(late["instances"][0]["flags"][0].get<std::string>().find("heartbeat") != std::string::npos);
  const std::string table = fleet_table(r);
  CHECK(table.find("ns3") != std::string::npos);
  CHECK(table.find("3 instance(s), 2 flagged") != std::string::npos);
  CHECK(fleet_table(nlohmann::json::array()).find("not a fleet report") != std::string::npos);
}
