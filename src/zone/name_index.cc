// SPDX-License-Identifier: MIT
// NameIndex: open addressing with linear probing over a power-of-two table.
#include "sgdns/zone/name_index.h"

#include <bit>
#include <cstring>

namespace sgdns::zone {
namespace {

constexpr std::uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;

std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

}  // namespace

std::uint64_t name_hash(const std::uint8_t* name, std::size_t len) noexcept {
  std::uint64_t h = kMultiplier * (len + 1);
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, name + i, 8);
    h = (h ^ word) * kMultiplier;
    h ^= h >> 29;
  }
  if (i < len) {
    std::uint64_t word = 0;
    std::memcpy(&word, name + i, len - i);
    h = (h ^ word) * kMultiplier;
  }
  return mix(h);
}

void NameIndex::reset(std::size_t count) {
  const std::size_t size = std::bit_ceil(count * 2 + 2);
  std::vector<Slot>(size).swap(slots_);  // assign() would keep a larger old buffer
  mask_ = size - 1;
}

void NameIndex::insert(std::uint64_t hash, std::int32_t value) {
  std::size_t i = hash & mask_;
  while (slots_[i].value >= 0) i = (i + 1) & mask_;
  slots_[i] = Slot{static_cast<std::uint32_t>(hash >> 32), value};
}

}  // namespace sgdns::zone
