// SPDX-License-Identifier: MIT
// Tests for what the compiled maps say about the data: the rule that placed each address, the coverage
// shares (on a database small enough to work out by hand), refusing a database with no usable field,
// warning about mappings nothing matches, and the ECS scope (the merged prefix) for every layout.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "sgdns/config/config.h"
#include "sgdns/policy/policy.h"

namespace {

using sgdns::policy::LocateRule;
namespace policy = sgdns::policy;
namespace config = sgdns::config;

const std::string kDir = SGDNS_TEST_DATA "/unit/geo/data/layouts/";
const std::string kPools =
    R"("pools": {"p": {"members": ["192.0.2.1"]}}, "records": {"x.test.": {"pools": ["p"], "types": ["A"]}})";

/// `databases` is the JSON array of geoip.databases; `regions` the regions object's members.
std::shared_ptr<const policy::Policy> compile(const std::string& databases, const std::string& regions) {
  const std::string text = R"({"geoip": {"databases": )" + databases + R"(}, "default_region": "dflt",
      "regions": {"dflt": {}, )" +
                           regions + "}, " + kPools + "}";
  return policy::compile(config::parse_config_json(text, ".").policy);
}

std::string db(const std::string& name) {
  return "\"" + kDir + name + "\"";
}

struct Placed {
  std::string region;
  LocateRule rule;
  unsigned scope;
};

Placed place(const policy::Policy& p, const std::string& ip) {
  std::uint8_t a[16];
  sgdns::geo::MapResult r;
  if (inet_pton(AF_INET, ip.c_str(), a) == 1) {
    r = p.geo_map.lookup_v4(a);
  } else {
    REQUIRE(inet_pton(AF_INET6, ip.c_str(), a) == 1);
    r = p.geo_map.lookup_v6(a);
  }
  return {p.regions[static_cast<std::size_t>(policy::placed_region(r.value))].name,
          policy::placed_rule(r.value), r.prefix_length};
}

double share(const std::array<double, policy::kLocateRules>& shares, LocateRule rule) {
  return shares[static_cast<std::size_t>(rule)];
}

}  // namespace

TEST_CASE("coverage shares by rule, worked out by hand", "[policy][coverage]") {
  // country-code-only.mmdb: DE 192.0.2.0/25, FR 192.0.2.128/25, US 198.51.100.0/24, JP 203.0.113.0/24,
  // BR 100.64.0.0/16, DE 2001:db8:1::/48. asn-only.mmdb: AS64500..64504 on the same networks.
  auto p =
      compile("[" + db("country-code-only.mmdb") + ", " + db("asn-only.mmdb") + "]",
              R"("eu": {"continents": ["EU"]}, "us": {"countries": ["US", "JP"], "cidrs": ["10.0.0.0/8"]},
                      "sa": {"asns": [64503]})");
  REQUIRE(p->databases.size() == 2);
  const policy::Coverage& cc = p->database_coverage[0];
  CHECK(share(cc.v4, LocateRule::Continent) == std::ldexp(1.0, -24));        // two /25s
  CHECK(share(cc.v4, LocateRule::Country) == std::ldexp(1.0, -23));          // two /24s
  CHECK(share(cc.v4, LocateRule::Default) == 1 - 3 * std::ldexp(1.0, -24));  // BR has no mapping: default
  CHECK(share(cc.v6, LocateRule::Continent) == std::ldexp(1.0, -45));        // a /48 of 2000::/3
  CHECK(share(cc.v4, LocateRule::Asn) == 0);
  CHECK(share(cc.v4, LocateRule::Cidr) == 0);  // a database alone places nothing by CIDR
  const policy::Coverage& asn = p->database_coverage[1];
  CHECK(share(asn.v4, LocateRule::Asn) == std::ldexp(1.0, -16));
  CHECK(share(asn.v4, LocateRule::Default) == 1 - std::ldexp(1.0, -16));
  // The served map: everything together.
  CHECK(share(p->coverage.v4, LocateRule::Cidr) == std::ldexp(1.0, -8));
  CHECK(share(p->coverage.v4, LocateRule::Asn) == std::ldexp(1.0, -16));
  CHECK(share(p->coverage.v4, LocateRule::Continent) == std::ldexp(1.0, -24));
  CHECK(share(p->coverage.v4, LocateRule::Country) == std::ldexp(1.0, -23));
  CHECK(share(p->coverage.v6, LocateRule::Continent) == std::ldexp(1.0, -45));
  double total = 0;
  for (double s : p->coverage.v4) total += s;
  CHECK(total == Approx(1.0));
  // And the rule travels with the region in the map.
  CHECK(place(*p, "10.1.2.3").rule == LocateRule::Cidr);
  CHECK(place(*p, "100.64.0.1").rule == LocateRule::Asn);
  CHECK(place(*p, "100.64.0.1").region == "sa");
  CHECK(place(*p, "203.0.113.1").rule == LocateRule::Country);
  CHECK(place(*p, "192.0.2.200").rule == LocateRule::Continent);
  CHECK(place(*p, "127.0.0.1").rule == LocateRule::Default);
}

TEST_CASE("a database with none of the fields the regions use is refused, naming it", "[policy][coverage]") {
  const std::string asn_only = kDir + "asn-only.mmdb";
  try {
    (void)compile("[" + db("asn-only.mmdb") + "]", R"("eu": {"countries": ["DE"]})");
    FAIL("compiled");
  } catch (const policy::PolicyError& e) {
    const std::string what = e.what();
    CHECK(what.find("geoip: " + asn_only + ": no record (of 5) has a field the regions use") !=
          std::string::npos);
    CHECK(what.find(
              "looked for country (country/iso_code, registered_country/iso_code, country_code, country)") !=
          std::string::npos);
  }
  // `fields` naming keys the file does not have: the same.
  CHECK_THROWS_WITH(
      compile(R"([{"file": )" + db("custom.mmdb") + R"(, "fields": {"country": "geo/country"}}])",
              R"("eu": {"continents": ["EU"]})"),
      Catch::Contains("custom.mmdb: no record") && Catch::Contains("continent (a country)"));
  // With the right paths it loads, and the continent comes from the country.
  auto p = compile(R"([{"file": )" + db("custom.mmdb") + R"(, "fields": {"country": "geo/cc"}}])",
                   R"("eu": {"continents": ["EU"]})");
  CHECK(place(*p, "192.0.2.5").region == "eu");
  // Regions that use no GeoIP field (CIDRs only) need nothing from a database.
  CHECK_NOTHROW(compile("[" + db("asn-only.mmdb") + "]", R"("lab": {"cidrs": ["10.0.0.0/8"]})"));
}

TEST_CASE("a mapping nothing in the data matches is a warning", "[policy][coverage]") {
  auto p = compile(
      "[" + db("country-code-only.mmdb") + "]",
      R"("eu": {"countries": ["DE", "IT"], "continents": ["EU", "AF"]}, "x": {"subdivisions": ["US-CA"]})");
  REQUIRE(p->warnings.size() == 3);
  CHECK(p->warnings[0] == "regions.eu.continents: \"AF\" matches no network in the GeoIP data");
  CHECK(p->warnings[1] == "regions.eu.countries: \"IT\" matches no network in the GeoIP data");
  CHECK(p->warnings[2] == "regions.x.subdivisions: \"US-CA\" matches no network in the GeoIP data");
}

TEST_CASE("the ECS scope is the merged prefix, for every layout", "[policy][coverage]") {
  // DE and FR are neighbouring /25s of one /24: placed alike, they merge, and the scope is 24.
  const std::string regions = R"("eu": {"continents": ["EU"]}, "us": {"countries": ["US"]},
                                  "ap": {"continents": ["AS"]}, "sa": {"continents": ["SA"]})";
  for (const char* file : {"maxmind-city.mmdb", "maxmind-country.mmdb", "dbip-city-lite.mmdb",
                           "ipinfo-like.mmdb", "country-code-only.mmdb"}) {
    INFO(file);
    auto p = compile("[" + db(file) + "]", regions);
    const Placed de = place(*p, "192.0.2.5"), fr = place(*p, "192.0.2.200");
    CHECK(de.region == "eu");
    CHECK(fr.region == "eu");
    CHECK(de.scope == 24);
    CHECK(fr.scope == 24);
    CHECK(place(*p, "198.51.100.9").region == "us");
    CHECK(place(*p, "198.51.100.9").scope == 24);
    CHECK(place(*p, "203.0.113.77").region == "ap");
    CHECK(place(*p, "100.64.3.4").region == "sa");
    CHECK(place(*p, "100.64.3.4").scope == 16);
    CHECK(place(*p, "2001:db8:1::9").region == "eu");
    CHECK(place(*p, "2001:db8:1::9").scope == 48);
  }
  for (const char* file : {"maxmind-asn.mmdb", "asn-only.mmdb", "ipinfo-like.mmdb"}) {
    INFO(file);
    auto p = compile("[" + db(file) + "]", R"("eu": {"asns": [64500]}, "us": {"asns": [64501]})");
    CHECK(place(*p, "192.0.2.5").region == "eu");
    CHECK(place(*p, "192.0.2.5").scope == 24);
    CHECK(place(*p, "198.51.100.9").region == "us");
    CHECK(place(*p, "198.51.100.9").rule == LocateRule::Asn);
  }
  auto custom =
      compile(R"([{"file": )" + db("custom.mmdb") + R"(, "fields": {"country": "geo/cc", "asn": "net/as"}}])",
              regions);
  CHECK(place(*custom, "192.0.2.5").scope == 24);
  CHECK(place(*custom, "2001:db8:1::9").region == "eu");
  // Placed the same region by different rules (DE by country, FR by continent), the /25s stay apart:
  // the rule is part of what a network maps to.
  auto mixed = compile("[" + db("country-code-only.mmdb") + "]",
                       R"("eu": {"countries": ["DE"], "continents": ["EU"]})");
  CHECK(place(*mixed, "192.0.2.5").scope == 25);
  CHECK(place(*mixed, "192.0.2.5").rule == LocateRule::Country);
  CHECK(place(*mixed, "192.0.2.200").rule == LocateRule::Continent);
}
