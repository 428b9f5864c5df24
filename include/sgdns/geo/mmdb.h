// SPDX-License-Identifier: MIT
// MaxMind DB reading (libmaxminddb): walk a database once at load, or look up one address for explain.
// Reads the fields a DatabaseSpec names, or the common layouts' (fields.h): GeoIP2/GeoLite2 City, Country
// and ASN, DB-IP lite, IPinfo, country-code-only and ASN-only files.
#pragma once
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgdns/geo/fields.h"
#include "sgdns/geo/net_map.h"

namespace sgdns::geo {

/// What a database says about a network; fields it does not have stay empty.
struct Location {
  std::string continent;    // "EU" (continent.code), else the country's (continents.h)
  std::string country;      // "DE" (country.iso_code, else registered_country.iso_code), upper case
  std::string subdivision;  // "US-CA": country + "-" + subdivisions[0].iso_code (kept as is with a "-")
  std::string city;         // city.names.en, for explain output only
  bool has_coordinates = false;
  double latitude = 0;
  double longitude = 0;
  std::uint32_t asn = 0;                // autonomous_system_number, or "AS13335" as a string; 0 = none
  bool continent_from_country = false;  // the data had no continent; the table filled it in
};

class GeoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A path that gave a field its value, and in how many distinct data records it did.
struct FieldUse {
  std::string path;  // "country/iso_code"
  std::uint64_t records = 0;
};

struct DatabaseInfo {
  std::string path;
  std::string database_type;  // metadata, e.g. "GeoLite2-City", "DBIP-City-Lite", "GeoLite2-ASN"
  std::uint64_t build_epoch = 0;
  std::uint64_t networks = 0;  // networks with data visited by the walk
  std::uint64_t records = 0;   // distinct data records decoded
  std::string layout;          // recognised_layout()
  bool custom_fields = false;  // read the configured `fields`, not the common layouts' paths
  /// Per field (index: Field), the paths that gave it values; empty: the data never has that field.
  std::array<std::vector<FieldUse>, kFieldCount> found;
  std::uint64_t continents_from_countries = 0;  // records whose continent came from the country table
  [[nodiscard]] bool has(Field field) const noexcept {
    return !found[static_cast<std::size_t>(field)].empty();
  }
};

/// The layout a walked database was recognised as: by its metadata's database_type first (GeoIP2/GeoLite2
/// City, Country or ASN, DB-IP lite, IPinfo), else by the paths its records answered ("GeoIP2-like",
/// "IPinfo-like", "country-code-only", "ASN-only", ...); "custom fields" when `fields` were configured.
[[nodiscard]] std::string recognised_layout(const DatabaseInfo& info);

/// Calls `visit` once for every network that has data (aliases of the IPv4 space inside an IPv6 tree,
/// ::ffff:0:0/96 and 2002::/16, are skipped: they repeat ::/96). Locations are decoded once per distinct
/// data record. Throws GeoError naming the file for an unreadable or corrupt database.
/// `record` numbers the distinct data records 0, 1, ... in the order first met, so a caller can keep
/// per-record results in a vector instead of looking the Location up again for each network.
using RecordVisitor = std::function<void(const Network&, const Location&, std::uint32_t record)>;
DatabaseInfo walk_database(const DatabaseSpec& spec, const RecordVisitor& visit);
inline DatabaseInfo walk_database(const DatabaseSpec& spec,
                                  const std::function<void(const Network&, const Location&)>& visit) {
  return walk_database(
      spec, RecordVisitor([&](const Network& n, const Location& l, std::uint32_t) { visit(n, l); }));
}
inline DatabaseInfo walk_database(const std::string& path,
                                  const std::function<void(const Network&, const Location&)>& visit) {
  return walk_database(DatabaseSpec{path, std::nullopt}, visit);
}

/// One lookup, for explain: the location and the network (prefix length in the address family's
/// terms) containing `address`, or nullopt when the database has nothing for it.
struct Found {
  Location location;
  int prefix_length = 0;
};
[[nodiscard]] std::optional<Found> lookup_database(const DatabaseSpec& spec, const sockaddr* address);
[[nodiscard]] inline std::optional<Found> lookup_database(const std::string& path, const sockaddr* address) {
  return lookup_database(DatabaseSpec{path, std::nullopt}, address);
}

/// Great-circle distance in kilometres (haversine, mean Earth radius 6371 km).
[[nodiscard]] double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept;

}  // namespace sgdns::geo
