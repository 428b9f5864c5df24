// SPDX-License-Identifier: MIT
// HealthTable storage: every slot starts up, not forced, with no TTL cap.
#include "sgdns/health/table.h"

namespace sgdns::health {

HealthTable::HealthTable(std::size_t size)
    : size_(size),
      states_(new std::atomic<std::uint8_t>[size ? size : 1]),
      forced_(new std::atomic<std::uint8_t>[size ? size : 1]),
      caps_(new std::atomic<std::uint32_t>[size ? size : 1]) {
  for (std::size_t i = 0; i < size; ++i) {
    states_[i].store(0, std::memory_order_relaxed);
    forced_[i].store(0, std::memory_order_relaxed);
    caps_[i].store(kNoCap, std::memory_order_relaxed);
  }
}

void HealthTable::set_up(std::uint32_t id, bool up) noexcept {
  if (id < size_) states_[id].store(up ? 0 : 1, std::memory_order_relaxed);
}

void HealthTable::set_forced(std::uint32_t id, Forced f) noexcept {
  if (id < size_) forced_[id].store(static_cast<std::uint8_t>(f), std::memory_order_relaxed);
}

void HealthTable::set_ttl_cap(std::uint32_t id, std::uint32_t seconds) noexcept {
  if (id < size_) caps_[id].store(seconds, std::memory_order_relaxed);
}

}  // namespace sgdns::health
