// SPDX-License-Identifier: MIT
// Tests for the MaxMind DB walk and lookup over the demo databases and fixtures, and great_circle_km.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "geo_test_util.h"
#include "sgdns/geo/mmdb.h"
#include "sgdns/geo/net_map.h"

namespace {

using geo_test::address;
using geo_test::net;
using geo_test::text;
using sgdns::geo::DatabaseInfo;
using sgdns::geo::Found;
using sgdns::geo::GeoError;
using sgdns::geo::Location;
using sgdns::geo::lookup_database;
using sgdns::geo::Network;
using sgdns::geo::walk_database;

const std::string kCityDb = SGDNS_TEST_DATA "/../geoip/sgdns-demo-city.mmdb";
const std::string kAsnDb = SGDNS_TEST_DATA "/../geoip/sgdns-demo-asn.mmdb";
const std::string kIpv4Db = SGDNS_TEST_DATA "/unit/geo/data/ipv4-only.mmdb";
const std::string kUnaliasedDb = SGDNS_TEST_DATA "/unit/geo/data/v6-unaliased.mmdb";

struct Walked {
  DatabaseInfo info;
  std::map<std::string, Location> networks;  // by text(network)
  std::vector<Network> raw;
};

Walked walk(const std::string& path) {
  Walked walked;
  walked.info = walk_database(path, [&](const Network& network, const Location& location) {
    walked.networks.emplace(text(network), location);
    walked.raw.push_back(network);
  });
  return walked;
}

bool covers(const Network& network, const Network& inner) {
  if (inner.prefix_length < network.prefix_length) return false;
  for (int bit = 0; bit < network.prefix_length; ++bit) {
    const int mask = 0x80 >> (bit & 7);
    if ((network.address[bit >> 3] & mask) != (inner.address[bit >> 3] & mask)) return false;
  }
  return true;
}

bool any_overlaps(const std::vector<Network>& networks, const Network& range) {
  for (const Network& network : networks) {
    if (covers(range, network) || covers(network, range)) return true;
  }
  return false;
}

/// A copy of `source` in the temp directory, removed when the test ends.
class TempCopy {
 public:
  explicit TempCopy(const std::string& source, const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("sgdns-geo-" + std::to_string(::getpid()) + "-" + name)) {
    if (!source.empty()) std::filesystem::copy_file(source, path_);
  }
  ~TempCopy() { std::filesystem::remove(path_); }
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("walking the demo city database", "[geo]") {
  const Walked walked = walk(kCityDb);
  CHECK(walked.info.path == kCityDb);
  CHECK(walked.info.database_type == "GeoIP2-City");
  CHECK(walked.info.build_epoch == 1704067200);
  CHECK(walked.info.networks == 19);
  CHECK(walked.networks.size() == 19);

  const Location& frankfurt = walked.networks.at("192.0.2.0/25");
  CHECK(frankfurt.continent == "EU");
  CHECK(frankfurt.country == "DE");
  CHECK(frankfurt.subdivision == "DE-HE");
  CHECK(frankfurt.city == "Frankfurt");
  CHECK(frankfurt.has_coordinates);
  CHECK(frankfurt.latitude == Approx(50.11));
  CHECK(frankfurt.longitude == Approx(8.68));
  CHECK(frankfurt.asn == 0);

  const Location& tokyo = walked.networks.at("203.0.113.192/26");
  CHECK(tokyo.continent == "AS");
  CHECK(tokyo.subdivision == "JP-13");
  CHECK(tokyo.city == "Tokyo");
  CHECK(walked.networks.at("203.0.113.128/26").city == "Sydney");
  CHECK(walked.networks.at("198.51.100.128/25").city == "San Jose");
  CHECK(walked.networks.at("198.51.100.128/25").longitude == Approx(-121.89));
  CHECK(walked.networks.at("100.66.0.0/16").subdivision == "CA-ON");
  CHECK(walked.networks.at("127.0.5.0/24").country == "BR");
  CHECK(walked.networks.at("127.0.1.0/24").city == "Frankfurt");

  const Location& sydney6 = walked.networks.at("2001:db8:4::/48");
  CHECK(sydney6.subdivision == "AU-NSW");
  CHECK(sydney6.latitude == Approx(-33.87));

  SECTION("unmapped space is not visited") {
    CHECK_FALSE(any_overlaps(walked.raw, net("127.0.0.1/32")));
    CHECK_FALSE(any_overlaps(walked.raw, net("2001:db8:ff::/48")));
  }
  SECTION("aliases of the IPv4 space are skipped") {
    CHECK_FALSE(any_overlaps(walked.raw, net("::ffff:0:0/96")));
    CHECK_FALSE(any_overlaps(walked.raw, net("2002::/16")));
    CHECK_FALSE(any_overlaps(walked.raw, net("2001::/32")));  // Teredo, aliased by the writer too
  }
}

TEST_CASE("walking the demo ASN database", "[geo]") {
  const Walked walked = walk(kAsnDb);
  CHECK(walked.info.database_type == "GeoLite2-ASN");
  CHECK(walked.info.networks == 4);
  CHECK(walked.networks.at("192.0.2.0/24").asn == 64500);
  CHECK(walked.networks.at("198.51.100.0/24").asn == 64501);
  CHECK(walked.networks.at("203.0.113.0/24").asn == 64502);
  CHECK(walked.networks.at("127.0.6.0/24").asn == 64510);
  CHECK(walked.networks.at("127.0.6.0/24").country.empty());
  CHECK_FALSE(walked.networks.at("127.0.6.0/24").has_coordinates);
}

TEST_CASE("walking an IPv4-only database maps its networks into ::/96", "[geo]") {
  const Walked walked = walk(kIpv4Db);
  CHECK(walked.info.database_type == "sgdns-test-ipv4");
  // 10.0.0.0/8 split around 10.1.0.0/16 into 8 networks, plus the /16 and 172.16.0.0/12.
  CHECK(walked.info.networks == 10);
  for (const Network& network : walked.raw) CHECK(covers(net("0.0.0.0/0"), network));

  const Location& germany = walked.networks.at("10.0.0.0/16");
  CHECK(germany.country == "DE");
  CHECK_FALSE(germany.has_coordinates);  // latitude without longitude
  CHECK(walked.networks.at("10.128.0.0/9").country == "DE");

  const Location& japan = walked.networks.at("10.1.0.0/16");
  CHECK(japan.country == "JP");  // registered_country fallback
  CHECK(japan.subdivision.empty());

  const Location& combined = walked.networks.at("172.16.0.0/12");
  CHECK(combined.subdivision == "US-CA");
  CHECK(combined.asn == 64496);
  CHECK(combined.has_coordinates);
}

TEST_CASE("data stored under ::ffff:0:0/96 and 2002::/16 is skipped even without aliasing", "[geo]") {
  const Walked walked = walk(kUnaliasedDb);
  CHECK(walked.info.networks == 2);
  CHECK(walked.networks.at("10.0.0.0/8").country == "DE");
  CHECK(walked.networks.at("2001:db8::/32").country == "NL");
}

TEST_CASE("a walked database compiles into a NetMap", "[geo]") {
  sgdns::geo::NetMapBuilder builder(0);
  std::map<std::string, std::uint32_t> countries;
  walk_database(kCityDb, [&](const Network& network, const Location& location) {
    const auto index = countries.emplace(location.country, countries.size() + 1).first->second;
    builder.insert(network, index);
  });
  const sgdns::geo::NetMap map = builder.build();
  CHECK(map.lookup(address("192.0.2.5").get()).value == countries.at("DE"));
  CHECK(map.lookup(address("192.0.2.5").get()).prefix_length == 25);
  CHECK(map.lookup(address("::ffff:203.0.113.200").get()).value == countries.at("JP"));
  CHECK(map.lookup(address("2001:db8:3::1").get()).value == countries.at("SG"));
  CHECK(map.lookup(address("127.0.0.1").get()).value == 0);
  // The two US /25s merge into 198.51.100.0/24 once both map to "US".
  CHECK(map.lookup(address("198.51.100.1").get()).prefix_length == 24);
}

TEST_CASE("unreadable databases throw GeoError naming the file", "[geo]") {
  const auto ignore = [](const Network&, const Location&) {};
  SECTION("missing") {
    const std::string missing = SGDNS_TEST_DATA "/unit/geo/data/no-such.mmdb";
    CHECK_THROWS_WITH(walk_database(missing, ignore), Catch::Contains(missing));
    CHECK_THROWS_AS(lookup_database(missing, address("192.0.2.1").get()), GeoError);
  }
  SECTION("not a MaxMind DB") {
    const TempCopy garbage("", "garbage.mmdb");
    std::ofstream(garbage.path()) << "this is not a MaxMind DB\n";
    CHECK_THROWS_WITH(walk_database(garbage.path(), ignore), Catch::Contains(garbage.path()));
  }
  SECTION("a search tree record pointing outside the file") {
    // ipv4-only.mmdb has 24-bit records: node 0's left record is its first three bytes.
    const TempCopy corrupt(kIpv4Db, "corrupt.mmdb");
    {
      std::fstream file(corrupt.path(), std::ios::in | std::ios::out | std::ios::binary);
      file.write("\xff\xff\xff", 3);
    }
    CHECK_THROWS_AS(walk_database(corrupt.path(), ignore), GeoError);
    CHECK_THROWS_WITH(walk_database(corrupt.path(), ignore),
                      Catch::Contains(corrupt.path()) && Catch::Contains("corrupt"));
  }
}

TEST_CASE("lookup_database finds one address and its prefix length", "[geo]") {
  auto find = [](const std::string& db, const std::string& ip) {
    return lookup_database(db, address(ip).get());
  };

  const std::optional<Found> frankfurt = find(kCityDb, "192.0.2.5");
  REQUIRE(frankfurt);
  CHECK(frankfurt->location.city == "Frankfurt");
  CHECK(frankfurt->location.subdivision == "DE-HE");
  CHECK(frankfurt->prefix_length == 25);

  const std::optional<Found> tokyo = find(kCityDb, "203.0.113.200");
  REQUIRE(tokyo);
  CHECK(tokyo->location.country == "JP");
  CHECK(tokyo->prefix_length == 26);

  const std::optional<Found> sydney = find(kCityDb, "2001:db8:4::1");
  REQUIRE(sydney);
  CHECK(sydney->location.city == "Sydney");
  CHECK(sydney->prefix_length == 48);

  const std::optional<Found> mapped = find(kCityDb, "::ffff:192.0.2.5");
  REQUIRE(mapped);
  CHECK(mapped->location.city == "Frankfurt");
  CHECK(mapped->prefix_length == 96 + 25);

  CHECK_FALSE(find(kCityDb, "127.0.0.1"));
  CHECK_FALSE(find(kCityDb, "2001:db8:ff::1"));

  const std::optional<Found> asn = find(kAsnDb, "127.0.6.9");
  REQUIRE(asn);
  CHECK(asn->location.asn == 64510);
  CHECK(asn->prefix_length == 24);

  const std::optional<Found> v4 = find(kIpv4Db, "10.1.2.3");
  REQUIRE(v4);
  CHECK(v4->location.country == "JP");
  CHECK(v4->prefix_length == 16);
  CHECK_FALSE(find(kIpv4Db, "2001:db8::1"));  // no IPv6 in an IPv4 tree
  const std::optional<Found> v4_mapped = find(kIpv4Db, "::ffff:172.16.0.1");
  REQUIRE(v4_mapped);
  CHECK(v4_mapped->prefix_length == 96 + 12);
}

TEST_CASE("great_circle_km", "[geo]") {
  using sgdns::geo::great_circle_km;
  CHECK(great_circle_km(50.11, 8.68, 1.35, 103.82) == Approx(10260).epsilon(0.01));  // Frankfurt-Singapore
  CHECK(great_circle_km(50.11, 8.68, 50.11, 8.68) == Approx(0).margin(1e-9));
  CHECK(great_circle_km(0, 0, 0, 180) == Approx(20015.1).epsilon(0.001));  // half the circumference
  CHECK(great_circle_km(39.04, -77.49, 37.34, -121.89) ==
        Approx(great_circle_km(37.34, -121.89, 39.04, -77.49)));
}
