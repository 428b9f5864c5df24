// SPDX-License-Identifier: MIT
// Coverage shares: each network weighted by the addresses it holds in the IPv4 space and in 2000::/3.
#include "coverage.h"

#include <cmath>
#include <cstring>

namespace sgdns::policy::detail {
namespace {

/// True when the first `bits` bits of `address` equal those of `prefix` (bits <= 128). Whole bytes first:
/// this runs once per network of a database, millions of times at a GeoLite2-City-sized load.
bool same_prefix(const std::uint8_t* address, const std::uint8_t* prefix, int bits) {
  const int bytes = bits / 8;
  if (std::memcmp(address, prefix, static_cast<std::size_t>(bytes)) != 0) return false;
  for (int bit = bytes * 8; bit < bits; ++bit) {
    const int mask = 0x80 >> (bit & 7);
    if ((address[bit >> 3] & mask) != (prefix[bit >> 3] & mask)) return false;
  }
  return true;
}

/// The fraction of the space `space`/`space_length` that `network` covers.
long double share_of(const geo::Network& network, const std::uint8_t* space, int space_length) {
  const int shorter = std::min(network.prefix_length, space_length);
  if (!same_prefix(network.address, space, shorter)) return 0;
  if (network.prefix_length <= space_length) return 1;  // the network holds the whole space
  return std::ldexp(1.0L, space_length - network.prefix_length);
}

constexpr std::uint8_t kIpv4Space[16] = {};          // ::/96
constexpr std::uint8_t kGlobalUnicast[16] = {0x20};  // 2000::/3

}  // namespace

void CoverageTally::add(const geo::Network& network, LocateRule rule) noexcept {
  const auto r = static_cast<std::size_t>(rule);
  v4_[r] += share_of(network, kIpv4Space, 96);
  v6_[r] += share_of(network, kGlobalUnicast, 3);
}

Coverage CoverageTally::finish() const noexcept {
  Coverage out;
  const auto fill = [](const std::array<long double, kLocateRules>& in,
                       std::array<double, kLocateRules>& shares) {
    long double placed = 0;
    for (std::size_t r = 0; r < kLocateRules; ++r) {
      if (static_cast<LocateRule>(r) == LocateRule::Default) continue;
      shares[r] = static_cast<double>(in[r]);
      placed += in[r];
    }
    const auto dflt = static_cast<std::size_t>(LocateRule::Default);
    shares[dflt] = static_cast<double>(std::max(0.0L, 1.0L - placed));
  };
  fill(v4_, out.v4);
  fill(v6_, out.v6);
  return out;
}

Coverage map_coverage(const geo::NetMap& map) {
  CoverageTally tally;
  map.for_each_leaf([&](const geo::Network& network, std::uint32_t value) {
    const LocateRule rule = placed_rule(value);
    if (rule != LocateRule::Default) tally.add(network, rule);
  });
  return tally.finish();
}

}  // namespace sgdns::policy::detail
