// SPDX-License-Identifier: MIT
// Tests for reading every layout sgdns recognises (tests/unit/geo/data/make_layouts.pl): the layout
// named, the fields found, the values read, each cross-checked against libmaxminddb's own mmdblookup.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "geo_test_util.h"
#include "sgdns/geo/mmdb.h"

namespace {

using geo_test::address;
using sgdns::geo::DatabaseInfo;
using sgdns::geo::DatabaseSpec;
using sgdns::geo::Field;
using sgdns::geo::FieldPaths;
using sgdns::geo::Location;

const std::string kDir = SGDNS_TEST_DATA "/unit/geo/data/layouts/";

DatabaseInfo walk(const DatabaseSpec& spec) {
  return sgdns::geo::walk_database(spec, [](const sgdns::geo::Network&, const Location&) {});
}

Location at(const DatabaseSpec& spec, const std::string& ip) {
  auto found = sgdns::geo::lookup_database(spec, address(ip).get());
  REQUIRE(found);
  return found->location;
}

/// The first path that gave `field` its values, "" when none did.
std::string path_of(const DatabaseInfo& info, Field field) {
  const auto& uses = info.found[static_cast<std::size_t>(field)];
  return uses.empty() ? "" : uses.front().path;
}

/// What mmdblookup prints for `path` (slash-separated) at `ip`: the value without quotes or type, or
/// nullopt when it finds nothing there.
std::optional<std::string> mmdblookup(const std::string& file, const std::string& ip,
                                      const std::string& path) {
  std::string command = "mmdblookup --file '" + file + "' --ip " + ip;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    command += " '" + path.substr(start, slash - start) + "'";
    start = slash + 1;
  }
  command += " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int status = ::pclose(pipe);
  if (status != 0) return std::nullopt;
  const std::size_t type = out.find('<');
  if (type == std::string::npos) return std::nullopt;
  std::string value = out.substr(0, type);
  value.erase(0, value.find_first_not_of(" \n\""));
  value.erase(value.find_last_not_of(" \n\"") + 1);
  return value;
}

/// Every field sgdns read at `ip` matches what mmdblookup finds under the path the report names.
void cross_check(const DatabaseSpec& spec, const std::string& ip) {
  const DatabaseInfo info = walk(spec);
  const Location loc = at(spec, ip);
  INFO(spec.path << " at " << ip);
  if (const std::string path = path_of(info, Field::Country); !path.empty()) {
    CHECK(mmdblookup(spec.path, ip, path) == loc.country);
  }
  if (const std::string path = path_of(info, Field::Continent); !path.empty()) {
    CHECK(mmdblookup(spec.path, ip, path) == loc.continent);
  }
  if (const std::string path = path_of(info, Field::Asn); !path.empty()) {
    const auto value = mmdblookup(spec.path, ip, path);
    REQUIRE(value);
    CHECK(std::strtoul(value->c_str() + (value->rfind("AS", 0) == 0 ? 2 : 0), nullptr, 10) == loc.asn);
  }
  if (const std::string path = path_of(info, Field::Latitude); !path.empty()) {
    const auto value = mmdblookup(spec.path, ip, path);
    REQUIRE(value);
    CHECK(std::strtod(value->c_str(), nullptr) == Approx(loc.latitude).margin(1e-5));
  }
}

const char* const kAddresses[] = {"192.0.2.5",    "192.0.2.200", "198.51.100.9",
                                  "203.0.113.77", "100.64.3.4",  "2001:db8:1::9"};

}  // namespace

TEST_CASE("MaxMind City: nested keys, subdivision under the country, coordinates", "[geo][layouts]") {
  const DatabaseSpec spec{kDir + "maxmind-city.mmdb", std::nullopt};
  const DatabaseInfo info = walk(spec);
  CHECK(info.layout == "MaxMind City");
  CHECK(path_of(info, Field::Country) == "country/iso_code");
  CHECK(path_of(info, Field::Subdivision) == "subdivisions/0/iso_code");
  CHECK(info.continents_from_countries == 0);
  const Location paris = at(spec, "192.0.2.200");
  CHECK(paris.continent == "EU");
  CHECK(paris.country == "FR");
  CHECK(paris.subdivision == "FR-IDF");
  CHECK(paris.has_coordinates);
  CHECK(paris.latitude == Approx(48.85));
  for (const char* ip : kAddresses) cross_check(spec, ip);
}

TEST_CASE("MaxMind Country and ASN files", "[geo][layouts]") {
  const DatabaseSpec country{kDir + "maxmind-country.mmdb", std::nullopt};
  CHECK(walk(country).layout == "MaxMind Country");
  CHECK(at(country, "198.51.100.9").country == "US");
  CHECK(at(country, "198.51.100.9").subdivision.empty());
  const DatabaseSpec asn{kDir + "maxmind-asn.mmdb", std::nullopt};
  const DatabaseInfo info = walk(asn);
  CHECK(info.layout == "MaxMind ASN");
  CHECK(!info.has(Field::Country));
  CHECK(at(asn, "203.0.113.77").asn == 64502);
  CHECK(at(asn, "203.0.113.77").country.empty());
  for (const char* ip : kAddresses) cross_check(country, ip), cross_check(asn, ip);
}

TEST_CASE("DB-IP lite: GeoIP2 keys, subdivisions by name only", "[geo][layouts]") {
  const DatabaseSpec spec{kDir + "dbip-city-lite.mmdb", std::nullopt};
  const DatabaseInfo info = walk(spec);
  CHECK(info.layout == "DB-IP lite City");
  CHECK(!info.has(Field::Subdivision));  // names are not codes: no subdivision rule can match
  const Location frankfurt = at(spec, "192.0.2.5");
  CHECK(frankfurt.country == "DE");
  CHECK(frankfurt.subdivision.empty());
  CHECK(frankfurt.has_coordinates);
  for (const char* ip : kAddresses) cross_check(spec, ip);
}

TEST_CASE("IPinfo-like: top-level strings and \"AS64502\", recognised by content", "[geo][layouts]") {
  const DatabaseSpec spec{kDir + "ipinfo-like.mmdb", std::nullopt};
  const DatabaseInfo info = walk(spec);
  CHECK(info.database_type == "sgdns-test-top-level-strings");
  CHECK(info.layout == "IPinfo-like with ASN");
  CHECK(path_of(info, Field::Country) == "country");
  CHECK(path_of(info, Field::Continent) == "continent");
  CHECK(path_of(info, Field::Asn) == "asn");
  const Location tokyo = at(spec, "203.0.113.77");
  CHECK(tokyo.country == "JP");
  CHECK(tokyo.continent == "AS");
  CHECK(tokyo.asn == 64502);
  for (const char* ip : kAddresses) cross_check(spec, ip);
}

TEST_CASE("country-code-only: the continent comes from the country table", "[geo][layouts]") {
  const DatabaseSpec spec{kDir + "country-code-only.mmdb", std::nullopt};
  const DatabaseInfo info = walk(spec);
  CHECK(info.layout == "country-code-only");
  CHECK(path_of(info, Field::Country) == "country_code");
  CHECK(!info.has(Field::Continent));
  CHECK(info.continents_from_countries == info.records);
  const Location brazil = at(spec, "100.64.3.4");
  CHECK(brazil.country == "BR");
  CHECK(brazil.continent == "SA");
  CHECK(brazil.continent_from_country);
  for (const char* ip : kAddresses) cross_check(spec, ip);
}

TEST_CASE("ASN-only: an integer under `asn`", "[geo][layouts]") {
  const DatabaseSpec spec{kDir + "asn-only.mmdb", std::nullopt};
  const DatabaseInfo info = walk(spec);
  CHECK(info.layout == "ASN-only");
  CHECK(at(spec, "2001:db8:1::9").asn == 64504);
  CHECK(at(spec, "2001:db8:1::9").country.empty());
  for (const char* ip : kAddresses) cross_check(spec, ip);
}

TEST_CASE("custom paths: map keys and array indices, read only through `fields`", "[geo][layouts]") {
  const std::string file = kDir + "custom.mmdb";
  const DatabaseInfo unknown = walk(DatabaseSpec{file, std::nullopt});
  CHECK(unknown.layout == "unrecognised (no known field)");
  for (const auto& uses : unknown.found) CHECK(uses.empty());

  FieldPaths fields;
  auto set = [&](Field f, const char* path) {
    fields.paths[static_cast<std::size_t>(f)] = {sgdns::geo::parse_key_path(path)};
  };
  set(Field::Country, "geo/cc");
  set(Field::Subdivision, "geo/region");
  set(Field::Latitude, "geo/pos/0");
  set(Field::Longitude, "geo/pos/1");
  set(Field::Asn, "net/as");
  const DatabaseSpec spec{file, fields};
  const DatabaseInfo info = walk(spec);
  CHECK(info.layout == "custom fields");
  CHECK(path_of(info, Field::Latitude) == "geo/pos/0");
  const Location frankfurt = at(spec, "2001:db8:1::9");
  CHECK(frankfurt.country == "DE");
  CHECK(frankfurt.continent == "EU");       // from the country table
  CHECK(frankfurt.subdivision == "DE-HE");  // already qualified: kept as is
  CHECK(frankfurt.latitude == Approx(50.11));
  CHECK(frankfurt.longitude == Approx(8.68));
  CHECK(frankfurt.asn == 64504);
  for (const char* ip : kAddresses) cross_check(spec, ip);
}

TEST_CASE("key paths: slash-separated steps, no empty step", "[geo][layouts]") {
  using sgdns::geo::parse_key_path;
  CHECK(parse_key_path("subdivisions/0/iso_code") == sgdns::geo::KeyPath{"subdivisions", "0", "iso_code"});
  CHECK(parse_key_path("country_code") == sgdns::geo::KeyPath{"country_code"});
  CHECK_THROWS_AS(parse_key_path(""), std::invalid_argument);
  CHECK_THROWS_AS(parse_key_path("a//b"), std::invalid_argument);
  CHECK_THROWS_AS(parse_key_path("/a"), std::invalid_argument);
  CHECK_THROWS_AS(parse_key_path("a/"), std::invalid_argument);
}
