// SPDX-License-Identifier: MIT
// NetMap lookups: one walk down the compiled binary trie, without allocating.
#include "sgdns/geo/net_map.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "slot.h"

namespace sgdns::geo {
namespace {

using detail::address_bit;
using detail::is_leaf;
using detail::leaf_value;

/// Clears the host bits so that equal networks compare equal whatever address they were written with.
void mask_host_bits(std::uint8_t (&address)[16], int prefix_length) {
  for (int bit = prefix_length; bit < 128; ++bit) {
    address[bit >> 3] = static_cast<std::uint8_t>(address[bit >> 3] & ~(0x80u >> (bit & 7)));
  }
}

/// ::ffff:0:0/96: the bytes before the IPv4 address are ten zeros and two 0xff.
bool is_v4_mapped(const std::uint8_t address[16]) noexcept {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(address, kPrefix, sizeof kPrefix) == 0;
}

/// The answer of a map without nodes: its one leaf (NetMap::only_leaf_), or the default value for a
/// default-constructed map. The scope is 0 for every address.
MapResult whole_space(std::uint32_t only_leaf, std::uint32_t default_value) noexcept {
  return {is_leaf(only_leaf) ? leaf_value(only_leaf) : default_value, 0};
}

}  // namespace

Network Network::from_v4(const std::uint8_t v4[4], int length) {
  if (length < 0 || length > 32) throw std::invalid_argument("IPv4 prefix length out of range");
  Network network;
  std::memcpy(network.address + 12, v4, 4);
  network.prefix_length = 96 + length;
  mask_host_bits(network.address, network.prefix_length);
  return network;
}

Network Network::from_v6(const std::uint8_t v6[16], int length) {
  if (length < 0 || length > 128) throw std::invalid_argument("IPv6 prefix length out of range");
  Network network;
  std::memcpy(network.address, v6, 16);
  network.prefix_length = length;
  mask_host_bits(network.address, network.prefix_length);
  return network;
}

// `start` sits at tree depth `start_depth` (IPv6 terms); address bit i decides at depth i + depth_offset.
// The depth where the walk meets a leaf is the decisive prefix; a leaf above the address's own family
// (an IPv4 walk starting from a leaf above ::/96) still means "all of IPv4", hence the clamp at 0.
MapResult NetMap::walk(std::uint32_t start, int start_depth, const std::uint8_t* address, int bits,
                       int depth_offset) const noexcept {
  std::uint32_t slot = start;
  int depth = start_depth;
  while (!is_leaf(slot)) {
    const int index = depth - depth_offset;
    if (index >= bits) break;  // unreachable for a built map: the trie is at most 128 deep
    slot = nodes_[2 * static_cast<std::size_t>(slot) + static_cast<std::size_t>(address_bit(address, index))];
    ++depth;
  }
  if (!is_leaf(slot)) return {default_value_, 0};
  return {leaf_value(slot), static_cast<std::uint8_t>(std::max(0, depth - depth_offset))};
}

MapResult NetMap::lookup_v4(const std::uint8_t address[4]) const noexcept {
  if (nodes_.empty()) return whole_space(only_leaf_, default_value_);
  const std::uint64_t start = v4_by_first16_[static_cast<std::size_t>(address[0]) << 8 | address[1]];
  return walk(static_cast<std::uint32_t>(start), static_cast<int>(start >> 32), address, 32, 96);
}

MapResult NetMap::lookup_v6(const std::uint8_t address[16]) const noexcept {
  if (nodes_.empty()) return whole_space(only_leaf_, default_value_);
  if (is_v4_mapped(address)) {
    // Same answer as the plain IPv4 address; the scope covers the mapped form of that IPv4 network (a map
    // without nodes answered above: one value everywhere has scope 0, mapped addresses included).
    MapResult result = lookup_v4(address + 12);
    result.prefix_length = static_cast<std::uint8_t>(result.prefix_length + 96);
    return result;
  }
  return walk(0, 0, address, 128, 0);
}

void NetMap::for_each_leaf(const std::function<void(const Network&, std::uint32_t)>& visit) const {
  Network at;
  if (nodes_.empty()) {
    visit(at, whole_space(only_leaf_, default_value_).value);
    return;
  }
  visit_slot(0, at, visit);
}

// `at` holds the network of `slot`'s node; its bit at `at.prefix_length` is set per child on the way down.
void NetMap::visit_slot(std::uint32_t slot, Network& at,
                        const std::function<void(const Network&, std::uint32_t)>& visit) const {
  const int depth = at.prefix_length;
  for (int side = 0; side < 2; ++side) {
    const auto mask = static_cast<std::uint8_t>(0x80u >> (depth & 7));
    at.address[depth >> 3] =
        static_cast<std::uint8_t>(side ? at.address[depth >> 3] | mask : at.address[depth >> 3] & ~mask);
    at.prefix_length = depth + 1;
    const std::uint32_t child = nodes_[2 * static_cast<std::size_t>(slot) + static_cast<std::size_t>(side)];
    if (is_leaf(child)) {
      visit(at, leaf_value(child));
    } else {
      visit_slot(child, at, visit);
    }
  }
  at.address[depth >> 3] = static_cast<std::uint8_t>(at.address[depth >> 3] & ~(0x80u >> (depth & 7)));
  at.prefix_length = depth;
}

MapResult NetMap::lookup(const sockaddr* address) const noexcept {
  if (address == nullptr) return {default_value_, 0};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::uint8_t bytes[4];
    std::memcpy(bytes, &v4->sin_addr, sizeof bytes);
    return lookup_v4(bytes);
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return lookup_v6(v6->sin6_addr.s6_addr);
  }
  return {default_value_, 0};
}

}  // namespace sgdns::geo
