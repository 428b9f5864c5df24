// SPDX-License-Identifier: MIT
// The prober's schedule as arithmetic: how long a failure takes to detect, how soon a probed state can
// change, and the TTL an answer may carry because of it. Every other module uses these three, so the
// failover budget, the TTL the engine writes and the prober's real behaviour cannot drift apart.
#pragma once
#include <cstdint>

#include "sgdns/health/check.h"

namespace sgdns::health {

/// The longest a dead endpoint stays up in the prober's schedule: the next probe starts at most
/// interval + jitter after the last success, then `fall` probes fail, each within the timeout, with
/// `recheck` between them. The failover budget adds the TTL of the answers to this.
[[nodiscard]] constexpr long worst_detection_ms(const CheckSpec& c) noexcept {
  return c.interval_ms + c.jitter_ms + (c.fall - 1) * c.recheck_ms + c.fall * c.timeout_ms;
}

/// The health-aware TTL cap: whole seconds (rounded up) before a probed state can change, from `up` (a
/// failing streak: interval, the rechecks and `fall` timeouts) or from down (`rise` intervals). Answers
/// built from an endpoint carry no longer a TTL than this (down to the record's min_ttl); the failover
/// budget counts the TTL so capped.
[[nodiscard]] constexpr std::uint32_t seconds_to_change(const CheckSpec& c, bool up) noexcept {
  long ms = up ? c.interval_ms + (c.fall - 1) * c.recheck_ms + c.fall * c.timeout_ms : c.rise * c.interval_ms;
  return static_cast<std::uint32_t>((ms + 999) / 1000);
}

/// The TTL of an answer whose consulted endpoints could change state within `cap` seconds at the soonest:
/// the record's `ttl` lowered to the cap, never below `min_ttl` (a cap of "never" leaves the TTL alone).
[[nodiscard]] constexpr std::uint32_t answer_ttl(std::uint32_t ttl, std::uint32_t min_ttl,
                                                 std::uint32_t cap) noexcept {
  return cap < ttl ? (cap > min_ttl ? cap : min_ttl) : ttl;
}

}  // namespace sgdns::health
