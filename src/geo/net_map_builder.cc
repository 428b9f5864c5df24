// SPDX-License-Identifier: MIT
// NetMapBuilder: a mutable binary trie of inserts, compiled by build() into a merged, compact NetMap.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgdns/geo/net_map.h"
#include "slot.h"

namespace sgdns::geo {
namespace {

using detail::address_bit;
using detail::is_leaf;
using detail::kLeaf;
using detail::leaf;

/// Post-order compiler from the builder's trie (nodes with a `child[2]` of slots) to NetMap's slot array.
template <typename Nodes>
class Compiler {
 public:
  explicit Compiler(const Nodes& builder_nodes) : in_(builder_nodes) {}

  /// Returns the compiled slot for builder slot `slot`: a leaf when the whole subtree maps to one value
  /// (siblings merge bottom-up, so a merge can cascade up to the root), else an index into out().
  std::uint32_t compile(std::uint32_t slot) {
    if (is_leaf(slot)) return slot;
    const std::uint32_t left = compile(in_[slot].child[0]);
    const std::uint32_t right = compile(in_[slot].child[1]);
    if (is_leaf(left) && left == right) return left;
    const auto index = static_cast<std::uint32_t>(out_.size() / 2);
    out_.push_back(left);
    out_.push_back(right);
    return index;
  }

  /// Post-order puts the root last; reversing the node order makes it node 0 (a parent then always
  /// precedes its children, so a lookup walks forward through memory).
  std::vector<std::uint32_t> take_root_first() {
    const auto count = static_cast<std::uint32_t>(out_.size() / 2);
    std::vector<std::uint32_t> nodes(out_.size());
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t to = count - 1 - i;
      for (int side = 0; side < 2; ++side) {
        const std::uint32_t slot = out_[2 * static_cast<std::size_t>(i) + static_cast<std::size_t>(side)];
        nodes[2 * static_cast<std::size_t>(to) + static_cast<std::size_t>(side)] =
            is_leaf(slot) ? slot : count - 1 - slot;
      }
    }
    return nodes;
  }

 private:
  const Nodes& in_;
  std::vector<std::uint32_t> out_;
};

/// Follows `slot` down the compiled trie from `depth` until a leaf or depth `until`, taking the child
/// `bit(depth)` at each step; `depth` ends where the walk stopped.
template <class Bit>
std::uint32_t descend(const std::vector<std::uint32_t>& nodes, std::uint32_t slot, int& depth, int until,
                      Bit bit) {
  for (; depth < until && !is_leaf(slot); ++depth) {
    slot = nodes[2 * static_cast<std::size_t>(slot) + static_cast<std::size_t>(bit(depth))];
  }
  return slot;
}

}  // namespace

NetMapBuilder::NetMapBuilder(std::uint32_t default_value) : default_value_(default_value) {
  if (default_value >= kLeaf) throw std::invalid_argument("NetMap default value must be < 2^31");
  // Node 0 is the root (::/0); its two halves start out as default.
  nodes_.push_back(Node{{leaf(default_value), leaf(default_value)}});
}

void NetMapBuilder::insert(const Network& network, std::uint32_t value) {
  if (value >= kLeaf) throw std::invalid_argument("NetMap value must be < 2^31: " + std::to_string(value));
  if (network.prefix_length < 0 || network.prefix_length > 128) {
    throw std::invalid_argument("network prefix length out of range: " +
                                std::to_string(network.prefix_length));
  }
  if (network.prefix_length == 0) {  // the root is a node, so ::/0 is both of its halves
    nodes_[0] = Node{{leaf(value), leaf(value)}};
    path_valid_ = 0;  // every node below the root is gone
    return;
  }
  // Resume from the deepest node the last insert passed that is also on this network's path. Those nodes
  // are still attached: an insert only ever replaces the slot below its own last node.
  int depth = 0;
  const int limit = std::max(0, std::min(path_valid_ - 1, network.prefix_length - 1));
  int byte = 0;
  while (byte < 16 && (byte + 1) * 8 <= limit && network.address[byte] == last_.address[byte]) ++byte;
  depth = byte * 8;
  while (depth < limit && address_bit(network.address, depth) == address_bit(last_.address, depth)) ++depth;
  std::uint32_t node = path_[depth];
  for (; depth + 1 < network.prefix_length; ++depth) {
    path_[depth] = node;
    const int bit = address_bit(network.address, depth);
    std::uint32_t child = nodes_[node].child[bit];
    if (is_leaf(child)) {
      // Split the leaf: both halves keep its value until the insert below overrides one of them.
      const auto split = static_cast<std::uint32_t>(nodes_.size());
      nodes_.push_back(Node{{child, child}});
      nodes_[node].child[bit] = split;
      child = split;
    }
    node = child;
  }
  path_[depth] = node;
  path_valid_ = network.prefix_length;  // path_[0] .. path_[prefix_length - 1]
  last_ = network;
  // Overwriting the slot drops whatever subtree hung there; its nodes become unreachable and build()
  // never visits them.
  nodes_[node].child[address_bit(network.address, network.prefix_length - 1)] = leaf(value);
}

NetMap NetMapBuilder::build() const {
  Compiler compiler(nodes_);
  const std::uint32_t root = compiler.compile(0);

  NetMap map;
  map.default_value_ = default_value_;
  if (is_leaf(root)) {  // one value everywhere: no nodes, the leaf stands for the whole space
    map.only_leaf_ = root;
    return map;
  }
  map.nodes_ = compiler.take_root_first();
  // Where each of the 65,536 IPv4 /16s sits (below ::/96, 96 zero bits down), so an IPv4 lookup starts
  // at most 16 steps from its leaf instead of 32 dependent loads down from ::/96.
  int v4_depth = 0;
  const std::uint32_t v4_root = descend(map.nodes_, 0, v4_depth, 96, [](int) { return 0; });
  map.v4_by_first16_.resize(std::size_t{1} << NetMap::kV4TableBits);
  for (std::uint32_t first16 = 0; first16 < map.v4_by_first16_.size(); ++first16) {
    const std::uint8_t address[2] = {static_cast<std::uint8_t>(first16 >> 8),
                                     static_cast<std::uint8_t>(first16)};
    int depth = v4_depth;
    const std::uint32_t slot = descend(map.nodes_, v4_root, depth, 96 + NetMap::kV4TableBits,
                                       [&](int at) { return address_bit(address, at - 96); });
    map.v4_by_first16_[first16] = slot | (std::uint64_t{static_cast<std::uint32_t>(depth)} << 32);
  }
  return map;
}

}  // namespace sgdns::geo
