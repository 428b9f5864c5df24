// SPDX-License-Identifier: MIT
// MaxMind DB reading (libmaxminddb): walk a database once at load, or look up one address for explain.
// Understands the GeoLite2/GeoIP2 City and Country schema, DB-IP lite (same schema), and ASN databases
// (GeoLite2-ASN, DB-IP ASN lite: autonomous_system_number).
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "sgdns/geo/net_map.h"

namespace sgdns::geo {

/// What a database says about a network; fields it does not have stay empty.
struct Location {
  std::string continent;    // "EU" (continent.code)
  std::string country;      // "DE" (country.iso_code, else registered_country.iso_code)
  std::string subdivision;  // "US-CA": country + "-" + subdivisions[0].iso_code
  std::string city;         // city.names.en, for explain output only
  bool has_coordinates = false;
  double latitude = 0;
  double longitude = 0;
  std::uint32_t asn = 0;  // autonomous_system_number; 0 = none
};

class GeoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DatabaseInfo {
  std::string path;
  std::string database_type;  // metadata, e.g. "GeoLite2-City", "DBIP-City-Lite", "GeoLite2-ASN"
  std::uint64_t build_epoch = 0;
  std::uint64_t networks = 0;  // networks with data visited by the walk
};

/// Calls `visit` once for every network that has data (aliases of the IPv4 space inside an IPv6 tree,
/// ::ffff:0:0/96 and 2002::/16, are skipped: they repeat ::/96). Locations are decoded once per distinct
/// data record. Throws GeoError naming the file for an unreadable or corrupt database.
DatabaseInfo walk_database(const std::string& path,
                           const std::function<void(const Network&, const Location&)>& visit);

/// One lookup, for explain: the location and the network (prefix length in the address family's
/// terms) containing `address`, or nullopt when the database has nothing for it.
struct Found {
  Location location;
  int prefix_length = 0;
};
[[nodiscard]] std::optional<Found> lookup_database(const std::string& path, const sockaddr* address);

/// Great-circle distance in kilometres (haversine, mean Earth radius 6371 km).
[[nodiscard]] double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept;

}  // namespace sgdns::geo
