// SPDX-License-Identifier: MIT
// NameIndex: the exact-match index of a zone's names, an open-addressing table of (hash tag, node index).
//
// It replaces std::unordered_map on the query path: one multiply-based hash of the wire name, no modulo by a
// prime, no pointer chase into a heap node, and 8 bytes a slot instead of ~60 bytes a name, which matters at
// a million names. The table does not hold the names; the caller says whether a candidate node is the one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sgdns::zone {

/// Hash of a lowercase wire name, eight bytes at a time.
[[nodiscard]] std::uint64_t name_hash(const std::uint8_t* name, std::size_t len) noexcept;

class NameIndex {
 public:
  /// Sizes the table for `count` entries (at most half full) and empties it.
  void reset(std::size_t count);
  /// Adds an entry; the caller guarantees no equal name is in the table already.
  void insert(std::uint64_t hash, std::int32_t value);

  /// The value whose entry has this hash and for which `is_match(value)` holds, or -1.
  template <class IsMatch>
  [[nodiscard]] std::int32_t find(std::uint64_t hash, IsMatch&& is_match) const noexcept {
    if (slots_.empty()) return -1;
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.value < 0) return -1;
      if (slot.tag == tag && is_match(slot.value)) return slot.value;
    }
  }

 private:
  struct Slot {
    std::uint32_t tag = 0;  // the hash's upper half: most non-matching slots fail on it alone
    std::int32_t value = -1;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace sgdns::zone
