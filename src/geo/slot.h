// SPDX-License-Identifier: MIT
// The slot encoding shared by NetMap and NetMapBuilder: a child slot is either a node index or a leaf value.
#pragma once
#include <cstdint>

namespace sgdns::geo::detail {

/// The top bit marks a leaf, which is why values must stay below 2^31.
inline constexpr std::uint32_t kLeaf = 0x80000000u;

constexpr bool is_leaf(std::uint32_t slot) noexcept {
  return (slot & kLeaf) != 0;
}
constexpr std::uint32_t leaf(std::uint32_t value) noexcept {
  return kLeaf | value;
}
constexpr std::uint32_t leaf_value(std::uint32_t slot) noexcept {
  return slot & ~kLeaf;
}

/// Bit `index` (0 = most significant) of a big-endian address.
inline int address_bit(const std::uint8_t* address, int index) noexcept {
  return (address[index >> 3] >> (7 - (index & 7))) & 1;
}

}  // namespace sgdns::geo::detail
