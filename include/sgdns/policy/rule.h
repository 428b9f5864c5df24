// SPDX-License-Identifier: MIT
// The rule that placed an address in its region, carried in the prefix maps beside the region, and the
// share of the address space each rule places (the load report and `sgdns geoip-report`).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace sgdns::policy {

/// The rule that placed an address in its region. The prefix maps carry it beside the region, so the
/// query path knows it for the cost of a mask: explain's trace shows it, sgdns_located_total{rule}
/// counts it and the coverage report sums the address space by it.
enum class LocateRule : std::uint8_t { Default, Cidr, Asn, Subdivision, Country, Continent, Nearest };
inline constexpr std::size_t kLocateRules = 7;
/// "default", "cidr", "asn", "subdivision", "country", "continent", "nearest": the metric's label values.
[[nodiscard]] const char* rule_name(LocateRule rule) noexcept;

/// Precedence, the order reports list the rules in: an explicit CIDR beats an ASN, which beats
/// subdivision, country and continent mappings; then the nearest region by distance; else the default.
inline constexpr std::array<LocateRule, kLocateRules> kRulePrecedence = {
    LocateRule::Cidr,      LocateRule::Asn,     LocateRule::Subdivision, LocateRule::Country,
    LocateRule::Continent, LocateRule::Nearest, LocateRule::Default};

/// A prefix map value: the region index in the low 16 bits, the rule above it. Networks merge only when
/// both agree, so the ECS scope also covers just addresses placed the same way.
[[nodiscard]] constexpr std::uint32_t placement(std::int32_t region, LocateRule rule) noexcept {
  return static_cast<std::uint32_t>(region) | (std::uint32_t{static_cast<std::uint8_t>(rule)} << 16);
}
[[nodiscard]] constexpr std::int32_t placed_region(std::uint32_t value) noexcept {
  return static_cast<std::int32_t>(value & 0xFFFF);
}
[[nodiscard]] constexpr LocateRule placed_rule(std::uint32_t value) noexcept {
  return static_cast<LocateRule>(value >> 16);
}

/// Shares (0..1) of the IPv4 space and of IPv6 global unicast (2000::/3) placed by each rule, weighted
/// by address count. Indexed by LocateRule; the shares of a family sum to 1.
struct Coverage {
  std::array<double, kLocateRules> v4{};
  std::array<double, kLocateRules> v6{};
};

}  // namespace sgdns::policy
