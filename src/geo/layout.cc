// SPDX-License-Identifier: MIT
// Naming the layout a database was read as, for the load report: by metadata, else by what answered.
#include <string_view>

#include "sgdns/geo/mmdb.h"

namespace sgdns::geo {
namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool contains_nocase(std::string_view text, std::string_view part) {
  for (std::size_t i = 0; i + part.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < part.size() && (text[i + j] | 0x20) == (part[j] | 0x20)) ++j;
    if (j == part.size()) return true;
  }
  return false;
}

bool answered(const DatabaseInfo& info, Field field, std::string_view path) {
  for (const FieldUse& use : info.found[static_cast<std::size_t>(field)]) {
    if (use.path == path) return true;
  }
  return false;
}

/// "City", "Country" or "ASN" from a vendor's database_type ("GeoLite2-City", "DBIP-ASN-Lite (compat=...)").
std::string edition(std::string_view type) {
  if (contains(type, "City")) return "City";
  if (contains(type, "Country")) return "Country";
  if (contains(type, "ASN")) return "ASN";
  return std::string(type);
}

}  // namespace

std::string recognised_layout(const DatabaseInfo& info) {
  if (info.custom_fields) return "custom fields";
  const std::string_view type = info.database_type;
  if (type.starts_with("GeoIP2-") || type.starts_with("GeoLite2-")) return "MaxMind " + edition(type);
  if (contains_nocase(type, "dbip") || contains_nocase(type, "db-ip")) return "DB-IP lite " + edition(type);
  if (contains_nocase(type, "ipinfo")) return "IPinfo";
  // Unknown metadata: what the records carry.
  const bool location = info.has(Field::Continent) || info.has(Field::Country) || info.has(Field::Latitude);
  const bool asn = info.has(Field::Asn);
  if (answered(info, Field::Country, "country/iso_code") ||
      answered(info, Field::Continent, "continent/code") ||
      answered(info, Field::Latitude, "location/latitude")) {
    return asn ? "GeoIP2-like with ASN" : "GeoIP2-like";
  }
  if (answered(info, Field::Country, "country") || answered(info, Field::Continent, "continent")) {
    return asn ? "IPinfo-like with ASN" : "IPinfo-like";
  }
  if (location) return asn ? "country code and ASN" : "country-code-only";
  if (asn) return "ASN-only";
  return "unrecognised (no known field)";
}

}  // namespace sgdns::geo
