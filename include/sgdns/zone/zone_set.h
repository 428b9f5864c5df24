// SPDX-License-Identifier: MIT
// ZoneSet: the zones served together; finds the zone for a query name by longest match.
#pragma once
#include <bitset>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sgdns/zone/zone.h"

namespace sgdns::zone {

class ZoneSet {
 public:
  /// Throws std::invalid_argument when two zones have the same origin.
  void add(std::shared_ptr<const Zone> zone);
  /// The zone with the longest origin that `lname` (lowercase wire) is at or below; nullptr if none.
  [[nodiscard]] const Zone* find_zone(const std::uint8_t* lname) const noexcept;
  /// The same when the caller knows the name's wire length.
  [[nodiscard]] const Zone* find_zone(const std::uint8_t* lname, std::size_t len) const noexcept;
  /// The zone whose origin is exactly `lname`, for AXFR.
  [[nodiscard]] const Zone* exact(const std::uint8_t* lname) const noexcept;
  [[nodiscard]] const std::vector<std::shared_ptr<const Zone>>& zones() const noexcept { return zones_; }

 private:
  /// The zone whose origin is the `len`-byte lowercase wire name `lname`.
  [[nodiscard]] const Zone* lookup(const std::uint8_t* lname, std::size_t len) const noexcept;

  std::vector<std::shared_ptr<const Zone>> zones_;
  std::unordered_map<std::string_view, const Zone*> by_origin_;
  // Wire lengths of the origins: a suffix of the query name of any other length cannot be an origin, so
  // it is not looked up at all.
  std::bitset<256> origin_lengths_;
};

}  // namespace sgdns::zone
