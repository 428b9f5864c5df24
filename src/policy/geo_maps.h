// SPDX-License-Identifier: MIT
// Folding the GeoIP databases and CIDR mappings through the regions into the two prefix maps, with the
// load report: per database what it gave and how much of the address space each rule places.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sgdns/policy/policy.h"

namespace sgdns::policy::detail {

/// The explicit mappings of compile(): key (continent, country, subdivision, ASN as text) -> region.
struct Mappings {
  const std::map<std::string, std::int32_t>& continents;
  const std::map<std::string, std::int32_t>& countries;
  const std::map<std::string, std::int32_t>& subdivisions;
  const std::map<std::string, std::int32_t>& asns;
};

/// Fills out.geo_map, nearest_map, databases, location/asn_databases, coverage and the
/// warnings about mappings nothing matches. out.regions and out.default_region must be set. An
/// unreadable database, or one giving none of the fields the regions use, is a problem naming its path.
void compile_geo_maps(const PolicySpec& spec, const Mappings& mappings, Policy& out,
                      std::vector<std::string>& problems);

}  // namespace sgdns::policy::detail
