// SPDX-License-Identifier: MIT
// Tests for the ISO 3166-1 -> continent table: every assigned code (Debian's iso-codes list, an
// independent source) has a continent, and the assignments where GeoIP2 differs from other atlases.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sgdns/geo/continents.h"

using sgdns::geo::continent_of_country;

TEST_CASE("every ISO 3166-1 alpha-2 code has a GeoIP2 continent", "[geo][continents]") {
  std::ifstream in("/usr/share/iso-codes/json/iso_3166-1.json");
  REQUIRE(in);  // package iso-codes (scripts/deps.sh)
  const auto list = nlohmann::json::parse(in)["3166-1"];
  REQUIRE(list.size() >= 249);
  const std::set<std::string> continents{"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
  std::set<std::string> codes;
  for (const auto& entry : list) {
    const std::string code = entry["alpha_2"].get<std::string>();
    codes.insert(code);
    INFO(code << " " << entry["name"].get<std::string>());
    CHECK(continents.count(std::string(continent_of_country(code))) == 1);
  }
  // The table holds those codes and Kosovo (XK, user-assigned, which GeoIP2 uses), nothing else.
  CHECK(sgdns::geo::continent_table_size() == codes.size() + (codes.count("XK") ? 0 : 1));
}

TEST_CASE("GeoIP2's continent choices where atlases disagree", "[geo][continents]") {
  CHECK(continent_of_country("RU") == "EU");
  CHECK(continent_of_country("CY") == "EU");
  CHECK(continent_of_country("XK") == "EU");
  CHECK(continent_of_country("TR") == "AS");
  CHECK(continent_of_country("GE") == "AS");
  CHECK(continent_of_country("AM") == "AS");
  CHECK(continent_of_country("AZ") == "AS");
  CHECK(continent_of_country("KZ") == "AS");
  CHECK(continent_of_country("EG") == "AF");
  CHECK(continent_of_country("PA") == "NA");
  CHECK(continent_of_country("TT") == "NA");
  CHECK(continent_of_country("GL") == "NA");
  CHECK(continent_of_country("AQ") == "AN");
  CHECK(continent_of_country("TF") == "AN");
  CHECK(continent_of_country("UM") == "OC");
  CHECK(continent_of_country("IO") == "AS");
  CHECK(continent_of_country("FK") == "SA");
  CHECK(continent_of_country("DE") == "EU");
  CHECK(continent_of_country("US") == "NA");
  CHECK(continent_of_country("BR") == "SA");
  CHECK(continent_of_country("JP") == "AS");
  CHECK(continent_of_country("AU") == "OC");
  CHECK(continent_of_country("ZA") == "AF");
}

TEST_CASE("anything but an assigned upper-case code has no continent", "[geo][continents]") {
  CHECK(continent_of_country("").empty());
  CHECK(continent_of_country("de").empty());
  CHECK(continent_of_country("ZZ").empty());
  CHECK(continent_of_country("EU").empty());  // a continent, not a country
  CHECK(continent_of_country("DEU").empty());
}
