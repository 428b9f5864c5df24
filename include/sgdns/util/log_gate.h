// SPDX-License-Identifier: MIT
// LogGate: at most N lines of one kind a second, from any thread, without a lock; the lines held back
// are counted and the next line written says how many. For events a flood can repeat (rate limiting
// starting, socket errors): the log stays readable and the disk stays free.
#pragma once
#include <atomic>
#include <cstdint>

namespace sgdns::log {

class LogGate {
 public:
  explicit LogGate(std::uint32_t per_second) noexcept : per_second_(per_second) {}

  /// Whether a line may be written in `second` (whole seconds of any clock). When it may, `skipped` is
  /// how many were held back since the last line written (append it: "; N more not logged").
  bool allow(std::uint64_t second, std::uint64_t& skipped) noexcept {
    std::uint64_t gate = gate_.load(std::memory_order_relaxed);
    std::uint64_t next;
    do {
      // The second's low 24 bits and the lines written in it, in one word: one compare-and-swap.
      const std::uint64_t count = (gate >> 40) == (second & 0xFFFFFF) ? (gate & 0xFFFFFFFFFF) : 0;
      if (count >= per_second_) {
        not_logged_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      next = ((second & 0xFFFFFF) << 40) | (count + 1);
    } while (!gate_.compare_exchange_weak(gate, next, std::memory_order_relaxed));
    skipped = not_logged_.exchange(0, std::memory_order_relaxed);
    return true;
  }

 private:
  const std::uint32_t per_second_;
  std::atomic<std::uint64_t> gate_{0};
  std::atomic<std::uint64_t> not_logged_{0};
};

}  // namespace sgdns::log
