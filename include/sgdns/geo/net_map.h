// SPDX-License-Identifier: MIT
// NetMap: an IPv4/IPv6 prefix map compiled at load (network -> small integer, e.g. a region index).
//
// Built from a MaxMind DB walked once and the policy's explicit mappings, with adjacent networks that map
// to the same value merged (gdnsd's ntree), so a lookup costs one walk down a compact binary trie and the
// prefix length where it stops is the shortest network that decided the answer: the ECS scope.
// IPv4 lives at ::/96 as MaxMind stores it; IPv4-mapped addresses (::ffff:0:0/96) are folded to IPv4.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace sgdns::geo {

/// A network in IPv6 form: IPv4 a.b.c.d/n is ::a.b.c.d/(96+n).
struct Network {
  std::uint8_t address[16] = {};
  int prefix_length = 0;  // 0..128, in IPv6 terms
  [[nodiscard]] static Network from_v4(const std::uint8_t v4[4], int length);
  [[nodiscard]] static Network from_v6(const std::uint8_t v6[16], int length);
};

struct MapResult {
  std::uint32_t value = 0;
  /// The length of the prefix that decided `value`, in the queried family's terms (0..32 for IPv4,
  /// 0..128 for IPv6): the ECS scope prefix length to return.
  std::uint8_t prefix_length = 0;
};

class NetMap {
 public:
  NetMap() = default;
  [[nodiscard]] MapResult lookup_v4(const std::uint8_t address[4]) const noexcept;
  /// IPv4-mapped addresses are looked up as IPv4 (their result's prefix length is in IPv4 terms + 96).
  [[nodiscard]] MapResult lookup_v6(const std::uint8_t address[16]) const noexcept;
  /// AF_INET or AF_INET6 socket address; anything else gets the default value with prefix length 0.
  [[nodiscard]] MapResult lookup(const sockaddr* address) const noexcept;
  [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size() / 2; }  // two slots a node
  [[nodiscard]] std::uint32_t default_value() const noexcept { return default_value_; }
  /// Every leaf of the compiled map, as a network and its value (reports; not for the query path).
  void for_each_leaf(const std::function<void(const Network&, std::uint32_t value)>& visit) const;

  /// IPv4 lookups start from a table indexed by the address's first 16 bits (512 KiB per map).
  static constexpr int kV4TableBits = 16;

 private:
  friend class NetMapBuilder;
  void visit_slot(std::uint32_t slot, Network& at,
                  const std::function<void(const Network&, std::uint32_t)>& visit) const;
  [[nodiscard]] MapResult walk(std::uint32_t start, int start_depth, const std::uint8_t* address, int bits,
                               int depth_offset) const noexcept;
  /// Each node: two child slots. A slot with the top bit set is a leaf holding a value; otherwise it
  /// is the index of the next node.
  std::vector<std::uint32_t> nodes_;  // 2 slots per node
  /// A map without nodes: the leaf that stands for every address (a default-constructed map's 0 is not
  /// a leaf and stands for the default value).
  std::uint32_t only_leaf_ = 0;
  /// Per IPv4 /16: the slot kV4TableBits steps below ::/96, or the leaf met before (low 32 bits), and
  /// its depth in IPv6 terms (high 32 bits). Empty when the map has no nodes.
  std::vector<std::uint64_t> v4_by_first16_;
  std::uint32_t default_value_ = 0;
};

class NetMapBuilder {
 public:
  /// Every address not covered by an insert maps to `default_value`.
  explicit NetMapBuilder(std::uint32_t default_value);
  /// Maps every address in `network` to `value`, replacing what earlier inserts put there (including
  /// more specific ones): insert broad data first and overrides after. `value` must be < 2^31.
  void insert(const Network& network, std::uint32_t value);
  /// Merges sibling leaves with equal values bottom-up and produces the compact lookup form.
  [[nodiscard]] NetMap build() const;

 private:
  struct Node {
    std::uint32_t child[2];  // index into nodes_ or kLeaf|value
  };
  std::vector<Node> nodes_;
  std::uint32_t default_value_;
  /// The nodes the last insert passed (path_[d] covers its first d bits) and its network: a walk visits
  /// networks in address order, so the next insert usually shares a long prefix and starts down there.
  std::uint32_t path_[128] = {};
  Network last_{};
  int path_valid_ = 0;  // path_[0..path_valid_) are valid
};

}  // namespace sgdns::geo
