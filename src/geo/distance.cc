// SPDX-License-Identifier: MIT
// Great-circle distance between two coordinates, for nearest-region selection.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "sgdns/geo/mmdb.h"

namespace sgdns::geo {

// Haversine: well conditioned at the short distances that decide "nearest", unlike the law of cosines.
double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;
  const double dlat = (lat2 - lat1) * kRadiansPerDegree;
  const double dlon = (lon2 - lon1) * kRadiansPerDegree;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1 * kRadiansPerDegree) *
                                                                 std::cos(lat2 * kRadiansPerDegree) *
                                                                 std::sin(dlon / 2) * std::sin(dlon / 2);
  // Rounding can push `a` a hair past 1 for antipodal points; asin would then return NaN.
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::clamp(a, 0.0, 1.0)));
}

}  // namespace sgdns::geo
