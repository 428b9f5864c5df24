// SPDX-License-Identifier: MIT
// HealthTable: member health as the query threads read it, one slot per health id, without locks.
//
// Per id: the probed state, an operator override that beats it, and the seconds at least before the
// probed state could change (the answer's TTL follows it). Query threads only read (relaxed atomics: a
// flip is seen by the next query); one thread writes (the control loop), so no write races another.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "sgdns/health/schedule.h"

namespace sgdns::health {

class HealthTable {
 public:
  enum class Forced : std::uint8_t { None = 0, Up = 1, Down = 2 };
  static constexpr std::uint32_t kNoCap = 0xffffffffu;

  explicit HealthTable(std::size_t size);
  [[nodiscard]] bool up(std::uint32_t id) const noexcept {
    if (id >= size_) return true;
    auto f = static_cast<Forced>(forced_[id].load(std::memory_order_relaxed));
    if (f != Forced::None) return f == Forced::Up;
    return states_[id].load(std::memory_order_relaxed) == 0;
  }
  [[nodiscard]] bool probed_up(std::uint32_t id) const noexcept {
    return id >= size_ || states_[id].load(std::memory_order_relaxed) == 0;
  }
  [[nodiscard]] Forced forced(std::uint32_t id) const noexcept {
    return id >= size_ ? Forced::None : static_cast<Forced>(forced_[id].load(std::memory_order_relaxed));
  }
  /// Seconds until the state could change; kNoCap when not probed or overridden.
  [[nodiscard]] std::uint32_t ttl_cap(std::uint32_t id) const noexcept {
    if (id >= size_ || forced(id) != Forced::None) return kNoCap;
    return caps_[id].load(std::memory_order_relaxed);
  }
  /// A probed state under `check`: the state and, from the check's schedule, how soon it could change.
  void set_probed(std::uint32_t id, const CheckSpec& check, bool up) noexcept {
    set_up(id, up);
    set_ttl_cap(id, seconds_to_change(check, up));
  }
  void set_up(std::uint32_t id, bool up) noexcept;
  void set_forced(std::uint32_t id, Forced f) noexcept;
  void set_ttl_cap(std::uint32_t id, std::uint32_t seconds) noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  std::size_t size_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> states_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> forced_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> caps_;
};

}  // namespace sgdns::health
