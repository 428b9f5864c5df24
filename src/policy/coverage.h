// SPDX-License-Identifier: MIT
// Adding up which rule places how much of the IPv4 space and of IPv6 global unicast (2000::/3).
#pragma once
#include <array>

#include "sgdns/geo/net_map.h"
#include "sgdns/policy/rule.h"

namespace sgdns::policy::detail {

class CoverageTally {
 public:
  /// `network` placed by `rule`; networks added must not overlap.
  void add(const geo::Network& network, LocateRule rule) noexcept;
  /// The shares; what no add() covered counts as placed by the default region.
  [[nodiscard]] Coverage finish() const noexcept;

 private:
  // Fractions of each space; long double keeps a /32 of IPv6 (2^-29 of 2000::/3) exact.
  std::array<long double, kLocateRules> v4_{};
  std::array<long double, kLocateRules> v6_{};
};

/// The shares in a compiled map whose values are placement(region, rule).
[[nodiscard]] Coverage map_coverage(const geo::NetMap& map);

}  // namespace sgdns::policy::detail
