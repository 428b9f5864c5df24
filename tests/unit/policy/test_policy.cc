// SPDX-License-Identifier: MIT
// The policy compiler and dynamic answers: region choice order, nearest by distance, every policy,
// weights, fail-open, and every configuration mistake with its JSON path.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <map>

#include "../engine/engine_fixture.h"
#include "sgdns/config/config.h"
#include "sgdns/dns/types.h"
#include "sgdns/world/build.h"

using namespace sgdns;

namespace {

const std::string kGeoDir = SGDNS_TEST_DATA "/../geoip";

/// A configuration with the demo databases and the given regions/pools/records JSON members. The ASN
/// database only when a region maps ASNs: a database none of whose fields the regions use is refused.
std::string config_text(const std::string& members) {
  const bool asns = members.find("\"asns\"") != std::string::npos;
  return R"({"geoip": {"databases": [")" + kGeoDir + "/sgdns-demo-city.mmdb\"" +
         (asns ? ", \"" + kGeoDir + "/sgdns-demo-asn.mmdb\"" : std::string()) + "]}, " + members + "}";
}

std::shared_ptr<const policy::Policy> compile(const std::string& members) {
  return policy::compile(config::parse_config_json(config_text(members), ".").policy);
}

std::string compile_error(const std::string& members) {
  try {
    (void)compile(members);
  } catch (const policy::PolicyError& e) {
    return e.what();
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::uint32_t placement_of(const policy::Policy& p, const char* address, bool nearest) {
  std::uint8_t a[4];
  REQUIRE(inet_pton(AF_INET, address, a) == 1);
  return (nearest ? p.nearest_map : p.geo_map).lookup_v4(a).value;
}

std::string region_of(const policy::Policy& p, const char* address, bool nearest = false) {
  return p.regions[static_cast<std::size_t>(policy::placed_region(placement_of(p, address, nearest)))].name;
}

/// The rule the compiled map says placed `address` (policy::rule_name).
std::string rule_of(const policy::Policy& p, const char* address, bool nearest = false) {
  return policy::rule_name(policy::placed_rule(placement_of(p, address, nearest)));
}

const std::string kPools =
    R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.test.": {"pools": ["p"], "types": ["A"]}})";
/// kPools and a nearest record: the nearest map is only built when a record reads it.
const std::string kPoolsWithNearest = R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {
    "x.test.": {"pools": ["p"], "types": ["A"]}, "n.test.": {"pools": ["p"], "types": ["A"], "policy": "nearest"}})";

}  // namespace

TEST_CASE("the most specific explicit mapping wins: CIDR, ASN, subdivision, country, continent", "[policy]") {
  // 192.0.2.0/25 is Frankfurt (EU, DE, DE-HE) in AS64500; 192.0.2.128/25 is London (EU, GB).
  auto p = compile(R"("default_region": "dflt", "regions": {
      "cidr": {"cidrs": ["192.0.2.0/26"]}, "asn": {"asns": [64500]}, "sub": {"subdivisions": ["DE-HE"]},
      "country": {"countries": ["GB"]}, "continent": {"continents": ["EU"]}, "dflt": {}}, )" +
                   kPools);
  CHECK(region_of(*p, "192.0.2.1") == "cidr");
  CHECK(region_of(*p, "192.0.2.100") == "asn");  // in AS64500, outside the CIDR
  CHECK(region_of(*p, "192.0.2.200") == "asn");  // London is in AS64500 too
  auto q = compile(R"("default_region": "dflt", "regions": {
      "sub": {"subdivisions": ["DE-HE"]}, "country": {"countries": ["GB", "DE"]}, "continent": {"continents": ["EU", "NA"]},
      "dflt": {}}, )" +
                   kPools);
  CHECK(region_of(*q, "192.0.2.100") == "sub");
  CHECK(region_of(*q, "192.0.2.200") == "country");
  CHECK(region_of(*q, "198.51.100.1") == "continent");
  CHECK(region_of(*q, "127.0.0.1") == "dflt");    // no location at all
  CHECK(region_of(*q, "203.0.113.1") == "dflt");  // no mapping and no region has a location

  // The maps carry the rule that decided beside the region (explain shows it).
  CHECK(rule_of(*p, "192.0.2.1") == "cidr");
  CHECK(rule_of(*p, "192.0.2.100") == "asn");
  CHECK(rule_of(*q, "192.0.2.100") == "subdivision");
  CHECK(rule_of(*q, "192.0.2.200") == "country");
  CHECK(rule_of(*q, "198.51.100.1") == "continent");
  CHECK(rule_of(*q, "127.0.0.1") == "default");
  CHECK(rule_of(*q, "203.0.113.1") == "default");
}

TEST_CASE("without an explicit mapping the nearest region by great-circle distance wins", "[policy]") {
  auto p = compile(R"("default_region": "fra", "regions": {
      "fra": {"location": [50.11, 8.68]}, "iad": {"location": [39.04, -77.49]}, "sin": {"location": [1.35, 103.82]},
      "syd": {"location": [-33.87, 151.21], "continents": ["EU"]}}, )" +
                   kPoolsWithNearest);
  CHECK(region_of(*p, "100.66.0.1") == "iad");     // Toronto
  CHECK(region_of(*p, "100.64.0.1") == "iad");     // Sao Paulo: Ashburn is nearer than Frankfurt
  CHECK(region_of(*p, "203.0.113.200") == "sin");  // Tokyo
  CHECK(rule_of(*p, "203.0.113.200") == "nearest");
  CHECK(rule_of(*p, "203.0.113.200", true) == "nearest");
  CHECK(region_of(*p, "203.0.113.130") == "syd");    // Sydney
  CHECK(region_of(*p, "192.0.2.1") == "syd");        // EU is explicitly mapped to syd for geo...
  CHECK(region_of(*p, "192.0.2.1", true) == "fra");  // ...but the nearest map ignores explicit mappings
  CHECK(region_of(*p, "127.0.0.1", true) == "fra");  // no coordinates: the default
}

TEST_CASE("fallback regions default to the others by distance", "[policy]") {
  auto p = compile(R"("regions": {"fra": {"location": [50.11, 8.68]}, "iad": {"location": [39.04, -77.49]},
      "sin": {"location": [1.35, 103.82]}, "x": {}}, )" +
                   kPools);
  auto names = [&](const char* region) {
    std::vector<std::string> out;
    for (auto i : p->regions[static_cast<std::size_t>(p->region_index(region))].fallback)
      out.push_back(p->regions[static_cast<std::size_t>(i)].name);
    return out;
  };
  CHECK(names("fra") == std::vector<std::string>{"iad", "sin", "x"});
  CHECK(names("sin") == std::vector<std::string>{"fra", "iad", "x"});
}

namespace {

/// A World with one zone and the geo policy, for driving engine::answer with a fake health table.
std::shared_ptr<engine::World> policy_world(const std::string& records) {
  auto cfg = config::parse_config_json(config_text(R"("regions": {
      "eu": {"location": [50.11, 8.68], "continents": ["EU"]}, "us": {"location": [39.04, -77.49], "continents": ["NA"]}},
    "default_region": "us",
    "pools": {"eu": {"region": "eu", "members": [{"address": "192.0.2.1", "weight": 3}, "192.0.2.2", "192.0.2.3"]},
              "us": {"region": "us", "members": ["198.51.100.1", "198.51.100.2"]},
              "cdn": {"cname": "cdn.example.net."}}, "records": )" +
                                                   records),
                                       "/");
  auto world = std::make_shared<engine::World>();
  world->policy = policy::compile(cfg.policy);
  world->health = std::make_shared<health::HealthTable>(world->policy->health_ids);
  std::vector<zone::DynamicOwner> owners;
  for (std::size_t i = 0; i < world->policy->records.size(); ++i)
    owners.push_back({world->policy->records[i].owner, static_cast<std::int32_t>(i)});
  world->zones.add(
      zone::Zone::build("example.test.",
                        zone::read_master_text("@ 60 SOA ns h 1 2 3 4 5\n@ 60 NS ns\nns 60 A 192.0.2.53\n",
                                               "t.zone", "example.test."),
                        owners));
  return world;
}

std::map<std::string, int> tally(const engine::World& w, const char* name, int n) {
  std::map<std::string, int> out;
  for (int i = 0; i < n; ++i) {
    auto r = test::ask(w, test::make_query(name, dns::rrtype::kA));
    ldns_rr_list* answer = ldns_pkt_answer(r.get());
    for (std::size_t k = 0; k < ldns_rr_list_rr_count(answer); ++k) {
      char* s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(answer, k), 0));
      out[s]++;
      free(s);
    }
  }
  return out;
}

void set_down(engine::World& w, const char* pool, const char* address) {
  const auto& p = w.policy->pools[static_cast<std::size_t>(w.policy->pool_index(pool))];
  if (std::string(address) == "cname") return w.health->set_up(p.cname_health_id, false);
  for (const auto& m : p.members) {
    if (m.address == address) w.health->set_up(m.health_id, false);
  }
}

}  // namespace

TEST_CASE("weighted answers honour pool and member weights within 2% over 100k queries",
          "[policy][weights]") {
  auto w = policy_world(R"({"split.example.test.": {"types": ["A"], "policy": "weighted",
      "pools": [{"pool": "us", "weight": 80}, {"pool": "cdn", "weight": 20}]},
      "members.example.test.": {"types": ["A"], "policy": "failover", "pools": ["eu"]}})");
  auto split = tally(*w, "split.example.test.", 100'000);
  int us = split["198.51.100.1"] + split["198.51.100.2"];
  CHECK(std::abs(us / 100'000.0 - 0.80) < 0.02);
  CHECK(std::abs(split["cdn.example.net."] / 100'000.0 - 0.20) < 0.02);
  auto members = tally(*w, "members.example.test.", 100'000);
  CHECK(std::abs(members["192.0.2.1"] / 100'000.0 - 0.60) < 0.02);
  CHECK(std::abs(members["192.0.2.2"] / 100'000.0 - 0.20) < 0.02);
  CHECK(std::abs(members["192.0.2.3"] / 100'000.0 - 0.20) < 0.02);
}

TEST_CASE("failover, multivalue and geo skip members marked down, and fail open when all are",
          "[policy][health]") {
  auto w = policy_world(
      R"({"fo.example.test.": {"types": ["A"], "policy": "failover", "pools": ["us", "eu"], "max_answers": 2},
      "mv.example.test.": {"types": ["A"], "policy": "multivalue", "pools": ["eu", "us"], "max_answers": 4},
      "geo.example.test.": {"types": ["A"], "policy": "geo", "pools": ["eu", "us", "cdn"], "max_answers": 3},
      "shut.example.test.": {"types": ["A"], "policy": "failover", "pools": ["us"], "fail_open": false}})");
  CHECK(tally(*w, "fo.example.test.", 1) ==
        std::map<std::string, int>{{"198.51.100.1", 1}, {"198.51.100.2", 1}});
  CHECK(tally(*w, "mv.example.test.", 1).size() == 4);
  set_down(*w, "us", "198.51.100.1");
  CHECK(tally(*w, "fo.example.test.", 1) == std::map<std::string, int>{{"198.51.100.2", 1}});
  set_down(*w, "us", "198.51.100.2");
  CHECK(tally(*w, "fo.example.test.", 1).count("192.0.2.1"));
  CHECK(tally(*w, "shut.example.test.", 1).empty());  // fail closed: the zone's (absent) static data
  CHECK(tally(*w, "mv.example.test.", 1) ==
        std::map<std::string, int>{{"192.0.2.1", 1}, {"192.0.2.2", 1}, {"192.0.2.3", 1}});
  // 127.0.0.1 has no location: the default region (us) is down, so geo falls back to eu.
  CHECK(tally(*w, "geo.example.test.", 1).size() == 3);
  for (const char* a : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) set_down(*w, "eu", a);
  CHECK(tally(*w, "geo.example.test.", 1) == std::map<std::string, int>{{"cdn.example.net.", 1}});
  set_down(*w, "cdn", "cname");
  CHECK(tally(*w, "fo.example.test.", 1).size() == 2);  // fail open: first pool, all members
  CHECK(tally(*w, "mv.example.test.", 1).size() == 4);
  CHECK(tally(*w, "geo.example.test.", 1) ==
        std::map<std::string, int>{{"198.51.100.1", 1}, {"198.51.100.2", 1}});
}

TEST_CASE("a reply says when its dynamic answer failed open (sgdns_answers_failed_open_total)",
          "[policy][health][metrics]") {
  auto w = policy_world(
      R"({"fo.example.test.": {"types": ["A"], "policy": "failover", "pools": ["us", "eu"]},
      "mv.example.test.": {"types": ["A"], "policy": "multivalue", "pools": ["us"], "max_answers": 4},
      "wt.example.test.": {"types": ["A"], "policy": "weighted", "pools": [{"pool": "us", "weight": 1}]},
      "geo.example.test.": {"types": ["A"], "policy": "geo", "pools": ["us", "cdn"]},
      "shut.example.test.": {"types": ["A"], "policy": "failover", "pools": ["us"], "fail_open": false}})");
  auto reply = [&](const char* name) {
    static engine::Scratch scratch;
    std::vector<std::uint8_t> out(4096);
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto q = test::make_query(name, dns::rrtype::kA);
    return engine::answer(*w, q, {reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Udp}, scratch,
                          out);
  };
  for (const char* name : {"fo.example.test.", "mv.example.test.", "wt.example.test.", "geo.example.test."}) {
    INFO(name);
    engine::Reply r = reply(name);
    CHECK(r.record >= 0);
    CHECK_FALSE(r.failed_open);
  }
  set_down(*w, "us", "198.51.100.1");
  set_down(*w, "us", "198.51.100.2");
  CHECK_FALSE(reply("fo.example.test.").failed_open);   // eu is live: a failover, not a fail-open
  CHECK_FALSE(reply("geo.example.test.").failed_open);  // the CDN is live
  for (const char* name : {"mv.example.test.", "wt.example.test."}) {
    INFO(name);
    engine::Reply r = reply(name);
    CHECK(r.record >= 0);
    CHECK(r.failed_open);
  }
  CHECK_FALSE(reply("shut.example.test.").failed_open);  // fail_open false: no dynamic answer at all
  CHECK(reply("shut.example.test.").record == -1);
  for (const char* a : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) set_down(*w, "eu", a);
  set_down(*w, "cdn", "cname");
  CHECK(reply("fo.example.test.").failed_open);
  CHECK(reply("geo.example.test.").failed_open);
}

TEST_CASE("configuration mistakes name their JSON path", "[policy][config]") {
  const std::string regions = R"("regions": {"eu": {"location": [50, 8]}}, )";
  CHECK(compile_error(regions + R"("pools": {"edge-eu": {"members": ["192.0.2.1"]}},
      "records": {"www.streamgate.example.": {"pools": ["edge-eu", "edge-eu2", "edge-xx"]}})") ==
        "records.\"www.streamgate.example.\".pools[1]: no pool \"edge-eu2\"");
  CHECK(compile_error(R"("regions": {"eu": {"location": [91, 8]}}, )" + kPools) ==
        "regions.eu.location: latitude must be in [-90, 90] and longitude in [-180, 180]");
  CHECK(compile_error(R"("regions": {"eu": {"continents": ["XX"]}}, )" + kPools) ==
        "regions.eu.continents[0]: \"XX\" is not a continent code (AF AN AS EU NA OC SA)");
  CHECK(compile_error(R"("regions": {"eu": {"countries": ["de"]}}, )" + kPools) ==
        "regions.eu.countries[0]: \"de\" is not an ISO 3166-1 alpha-2 code");
  CHECK(compile_error(R"("regions": {"eu": {"subdivisions": ["CA"]}}, )" + kPools) ==
        "regions.eu.subdivisions[0]: \"CA\" is not an ISO 3166-2 code like \"US-CA\"");
  CHECK(compile_error(R"("regions": {"a": {"countries": ["DE"]}, "b": {"countries": ["DE"]}}, )" + kPools) ==
        "regions.b.countries: \"DE\" is already mapped to region \"a\"");
  CHECK(compile_error(regions + R"("default_region": "mars", )" + kPools) ==
        "default_region: no region \"mars\"");
  CHECK(compile_error(R"("regions": {"eu": {"fallback": ["us"]}}, )" + kPools) ==
        "regions.eu.fallback[0]: no region \"us\"");
  CHECK(compile_error(R"("regions": {"eu": {"fallback": ["eu"]}}, )" + kPools) ==
        "regions.eu.fallback[0]: a region cannot fall back to itself");
  CHECK(compile_error(regions +
                      R"("pools": {"p": {"region": "us", "members": ["192.0.2.1"]}}, "records": {})") ==
        "pools.p.region: no region \"us\"");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"cname": "x.", "members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"]}})") ==
      "pools.p: a pool has either members or a cname, not both");
  CHECK(compile_error(regions + R"("pools": {"p": {}}, "records": {"x.": {"pools": ["p"]}})") ==
        "pools.p: a pool needs members or a cname");
  CHECK(compile_error(regions +
                      R"("pools": {"p": {"cname": "cdn.example"}}, "records": {"x.": {"pools": ["p"]}})") ==
        "pools.p.cname: \"cdn.example\" is not an absolute domain name");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"members": ["192.0.2.1", "192.0.2.300"]}}, "records": {"x.": {"pools": ["p"]}})") ==
      "pools.p.members[1].address: \"192.0.2.300\" is not an IPv4 or IPv6 address");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"members": ["192.0.2.1", "192.0.2.1"]}}, "records": {"x.": {"pools": ["p"]}})") ==
      "pools.p.members[1].address: \"192.0.2.1\" is listed twice");
  CHECK(compile_error(
            regions +
            R"("pools": {"p": {"members": [{"address": "192.0.2.1", "weight": 0}]}}, "records": {})") ==
        "pools.p.members[0].weight: expected an integer from 1 to 1000000");
  CHECK(compile_error(regions +
                      R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x": {"pools": ["p"]}})") ==
        "records.x: the owner must be an absolute domain name (ending with a dot)");
  CHECK(compile_error(regions +
                      R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": []}})") ==
        "records.\"x.\".pools: a record needs at least one pool");
  CHECK(compile_error(
            regions +
            R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p", "p"]}})") ==
        "records.\"x.\".pools[1]: pool \"p\" is listed twice");
  CHECK(compile_error(regions +
                      R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"]}})") ==
        "records.\"x.\".types: \"AAAA\" but no pool has an IPv6 member or a cname");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"], "policy": "random"}})") ==
      "records.\"x.\".policy: expected geo, nearest, weighted, failover or multivalue");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"], "types": ["MX"]}})") ==
      "records.\"x.\".types[0]: expected \"A\" or \"AAAA\"");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"], "max_answers": 17}})") ==
      "records.\"x.\".max_answers: expected an integer from 1 to 16");
  CHECK(
      compile_error(
          regions +
          R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"], "ttl": -1}})") ==
      "records.\"x.\".ttl: expected an integer from 0 to 86400");
  CHECK(
      compile_error(regions + R"("pools": {"p": {"members": ["192.0.2.1"], "weight": 3}}, "records": {})") ==
      "pools.p.weight: unknown key");
  CHECK_THAT(
      compile_error(R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.": {"pools": ["p"]}})"),
      Catch::StartsWith("regions: no regions defined; "));
  CHECK(compile_error(regions + R"("ecs": {"trust": "some"}, )" + kPools) ==
        "ecs.trust: expected \"all\" or a list of resolver prefixes");
}

TEST_CASE("a missing GeoIP database and a record outside every zone are refused", "[policy][config]") {
  auto cfg = config::parse_config_json(
      R"({"geoip": {"databases": ["/nonexistent.mmdb"]}, "regions": {"eu": {}},)" + kPools + "}", ".");
  CHECK_THROWS_WITH(world::build_world(cfg, 1), Catch::StartsWith("geoip: /nonexistent.mmdb"));
  auto outside = config::parse_config_json(
      R"({"regions": {"eu": {}}, "zones": [{"origin": "example.test.", "file": ")" SGDNS_TEST_DATA
      R"(/golden/zones/example.test.zone"}], )" +
          kPools + "}",
      ".");
  CHECK_THROWS_WITH(world::build_world(outside, 1), "records.\"x.test.\": not in any served zone");
}

TEST_CASE("operator overrides beat probes, and the TTL follows health down to min_ttl", "[policy][health]") {
  auto w = policy_world(R"({"fo.example.test.": {"types": ["A"], "policy": "failover", "pools": ["us", "eu"],
      "ttl": 20, "min_ttl": 3}})");
  auto& h = *w->health;
  auto id = [&](const char* pool, const char* member) {
    return static_cast<std::uint32_t>(w->policy->health_id(pool, member));
  };
  auto ttl = [&] {
    auto r = test::ask(*w, test::make_query("fo.example.test.", dns::rrtype::kA));
    return ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r.get()), 0));
  };
  CHECK(ttl() == 20);  // unprobed members: no cap
  h.set_ttl_cap(id("us", "198.51.100.1"), 8);
  CHECK(ttl() == 8);  // a member could change state in 8 s
  h.set_ttl_cap(id("us", "198.51.100.1"), 1);
  CHECK(ttl() == 3);  // ...but never below min_ttl
  h.set_forced(id("us", "198.51.100.1"), health::HealthTable::Forced::Down);
  h.set_forced(id("us", "198.51.100.2"), health::HealthTable::Forced::Down);
  CHECK(tally(*w, "fo.example.test.", 1).count("192.0.2.1"));  // both us members forced out
  h.set_up(id("us", "198.51.100.1"), false);
  h.set_forced(id("us", "198.51.100.1"), health::HealthTable::Forced::Up);  // forced up beats a failing probe
  CHECK(tally(*w, "fo.example.test.", 1) == std::map<std::string, int>{{"198.51.100.1", 1}});
  CHECK(w->policy->health_id("us", "203.0.113.9") == -1);
  CHECK(w->policy->health_id("cdn", "cname") >= 0);
}

TEST_CASE("the shipped defaults pass the budget: a default check and the default TTL", "[policy][budget]") {
  // The operator's case: "1s x 2 + 700ms + 30s TTL = 32.7s exceeds failover_budget 30s" although the
  // answers carried TTL 5. The budget now counts the TTL the answers carry.
  auto p = compile(R"("regions": {"eu": {}}, "checks": {"edge": {"type": "tcp"}},
      "pools": {"p": {"check": "edge", "members": ["192.0.2.1"]}}, "records": {"www.x.": {"pools": ["p"], "types": ["A"]}})");
  REQUIRE(p->records.size() == 1);
  CHECK(p->records[0].ttl == 30);
  CHECK(p->records[0].worst_failover_ms == 7'650);
  CHECK(p->records[0].worst_failover_ms <= p->failover_budget_ms);
}

TEST_CASE("the budget's TTL is the TTL the engine serves while the member is up", "[policy][budget]") {
  for (const char* ttls : {R"("ttl": 30)", R"("ttl": 60, "min_ttl": 2)", R"("ttl": 2, "min_ttl": 1)",
                           R"("ttl": 20, "min_ttl": 20)"}) {
    INFO(ttls);
    auto cfg = config::parse_config_json(config_text(std::string(R"("regions": {"eu": {}},
        "checks": {"edge": {"type": "tcp", "interval": "2s", "timeout": "1s", "fall": 3}},
        "pools": {"p": {"check": "edge", "members": ["192.0.2.1"]}},
        "records": {"www.example.test.": {"types": ["A"], "pools": ["p"], )") +
                                                     ttls + "}}"),
                                         "/");
    auto world = std::make_shared<engine::World>();
    world->policy = policy::compile(cfg.policy);
    world->health = std::make_shared<health::HealthTable>(world->policy->health_ids);
    const policy::Record& rec = world->policy->records[0];
    world->zones.add(
        zone::Zone::build("example.test.",
                          zone::read_master_text("@ 60 SOA ns h 1 2 3 4 5\n@ 60 NS ns\nns 60 A 192.0.2.53\n",
                                                 "t.zone", "example.test."),
                          {{rec.owner, 0}}));
    // As the control loop does for an endpoint that is up.
    const health::CheckSpec& check = world->policy->checks[0];
    world->health->set_ttl_cap(world->policy->pools[0].members[0].health_id,
                               health::seconds_to_change(check, true));
    auto r = test::ask(*world, test::make_query("www.example.test.", dns::rrtype::kA));
    REQUIRE(ldns_rr_list_rr_count(ldns_pkt_answer(r.get())) == 1);
    std::uint32_t served = ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r.get()), 0));
    CHECK(rec.worst_failover_ms == health::worst_detection_ms(check) + static_cast<long>(served) * 1000);
  }
}

TEST_CASE("structural mistakes come before failover budgets, and every one is listed", "[policy][budget]") {
  // "a.x." breaks the budget and sorts first; "b.x." names a missing pool; "c.x." lacks IPv6 members.
  std::string error = compile_error(R"("regions": {"eu": {}}, "checks": {"web": {"type": "tcp"}},
      "pools": {"p": {"check": "web", "members": ["192.0.2.1"]}},
      "records": {"a.x.": {"types": ["A"], "ttl": 60, "min_ttl": 60, "pools": ["p"]},
                  "b.x.": {"types": ["A"], "pools": ["nope"]},
                  "c.x.": {"types": ["AAAA"], "pools": ["p"]}})");
  auto b = error.find("records.\"b.x.\".pools[0]: no pool \"nope\"");
  auto c = error.find("records.\"c.x.\".types: \"AAAA\" but no pool has an IPv6 member or a cname");
  auto a = error.find("records.\"a.x.\": worst-case failover");
  INFO(error);
  CHECK(b != std::string::npos);
  CHECK(c != std::string::npos);
  REQUIRE(a != std::string::npos);
  CHECK(a > b);
  CHECK(a > c);
}

TEST_CASE("a record whose worst-case failover exceeds the budget is refused", "[policy][budget]") {
  const std::string base =
      R"("regions": {"eu": {}}, "checks": {"web": {"type": "http", "interval": "1s", "timeout": "700ms", "fall": 2}},
      "pools": {"p": {"check": "web", "members": ["192.0.2.1"]}}, )";
  // Detection: 1s interval + 100ms jitter + 1 x 150ms recheck + 2 x 700ms timeout = 2.65s. While the member
  // is up its answers carry at most 3s (the health-aware cap), raised to min_ttl: 5s by default.
  auto p = compile(base + R"("records": {"www.x.": {"types": ["A"], "ttl": 60, "pools": ["p"]}})");
  CHECK(p->records[0].worst_failover_ms == 7'650);
  CHECK(
      p->records[0].failover_arithmetic ==
      "check web: 1s interval + 100ms jitter + 1 x 150ms recheck + 2 x 700ms timeout = 2.65s to detect, + 5s "
      "TTL (ttl 60s capped by health to 3s, raised to min_ttl 5s) = 7.65s");
  CHECK(
      compile_error(base +
                    R"("records": {"www.x.": {"types": ["A"], "ttl": 60, "min_ttl": 30, "pools": ["p"]}})") ==
      "records.\"www.x.\": worst-case failover check web: 1s interval + 100ms jitter + 1 x 150ms recheck + 2 "
      "x "
      "700ms timeout = 2.65s to detect, + 30s TTL (ttl 60s capped by health to 3s, raised to min_ttl 30s) = "
      "32.65s exceeds failover_budget 30s");
  CHECK(compile_error(base + R"("failover_budget": "40s",
      "records": {"www.x.": {"types": ["A"], "ttl": 60, "min_ttl": 30, "pools": ["p"]}})") == "no error");
  p = compile(base + R"("records": {"www.x.": {"types": ["A"], "ttl": 2, "min_ttl": 1, "pools": ["p"]}})");
  CHECK(
      p->records[0].failover_arithmetic ==
      "check web: 1s interval + 100ms jitter + 1 x 150ms recheck + 2 x 700ms timeout = 2.65s to detect, + 2s "
      "TTL = 4.65s");
  // With the fleet deciding health together, a member is down everywhere only once a quorum's reports
  // have arrived: one heartbeat more.
  p = compile(base + R"("fleet": {"endpoints": ["http://127.0.0.1:2379"], "prefix": "/sgdns/t",
      "shared_health": true}, "records": {"www.x.": {"types": ["A"], "ttl": 60, "pools": ["p"]}})");
  CHECK(p->records[0].worst_failover_ms == 8'650);
  CHECK(
      p->records[0].failover_arithmetic ==
      "check web: 1s interval + 100ms jitter + 1 x 150ms recheck + 2 x 700ms timeout = 2.65s to detect, + 1s "
      "to share with the fleet (heartbeat), + 5s TTL (ttl 60s capped by health to 3s, raised to min_ttl 5s) "
      "= "
      "8.65s");
  p = compile(base + R"("fleet": {"endpoints": ["http://127.0.0.1:2379"], "prefix": "/sgdns/t"},
      "records": {"www.x.": {"types": ["A"], "ttl": 60, "pools": ["p"]}})");
  CHECK(p->records[0].worst_failover_ms == 7'650);  // a fleet without shared health: own probes only
  p = compile(R"("regions": {"eu": {}}, "pools": {"p": {"members": ["192.0.2.1"]}},
      "records": {"www.x.": {"types": ["A"], "pools": ["p"]}})");
  CHECK(p->records[0].worst_failover_ms == 0);  // nothing checked: nothing fails over
  CHECK(p->records[0].failover_arithmetic.empty());
  CHECK(compile_error(
            base + R"("records": {"www.x.": {"types": ["A"], "ttl": 20, "min_ttl": 30, "pools": ["p"]}})") ==
        "records.\"www.x.\".min_ttl: must not exceed ttl");
  CHECK(
      compile_error(
          R"("regions": {"eu": {}}, "pools": {"p": {"check": "nope", "members": ["192.0.2.1"]}}, "records": {})") ==
      "pools.p.check: no check \"nope\"");
  CHECK(compile_error(
            R"("regions": {"eu": {}}, "checks": {"c": {"type": "ftp"}}, "pools": {}, "records": {})") ==
        "checks.c.type: expected tcp, http or https");
  CHECK(
      compile_error(
          R"("regions": {"eu": {}}, "checks": {"c": {"type": "tcp", "timeout": "2s"}}, "pools": {}, "records": {})") ==
      "checks.c.timeout: must be from 10ms up to the interval");
  CHECK(compile_error(R"("regions": {"eu": {}}, "checks": {"web": {"type": "http"}},
      "pools": {"c": {"cname": "x.example.", "check": "web"}}, "records": {})") ==
        "pools.c.check_address: a checked cname pool needs an address to probe");
}
