// SPDX-License-Identifier: MIT
// The rate-limiting step of the UDP path, between engine::answer() and the send (docs/operations.md,
// "Response rate limiting"). TCP never calls it.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <span>

#include "sgdns/engine/engine.h"
#include "sgdns/metrics/counters.h"
#include "sgdns/rrl/limiter.h"

namespace sgdns::net {

/// The kind a reply is limited as.
[[nodiscard]] rrl::Kind limit_kind(const engine::Reply& reply) noexcept;

/// What to send for `reply` (answer() just wrote it into `out` for the query in `scratch`): the reply
/// itself; its slip, written over `out`; or nothing (size 0). A query with a valid server cookie is never
/// limited: the client has proved its address by echoing our cookie, so it cannot be a forged source.
/// Counts limited responses in `counters` (may be null).
[[nodiscard]] engine::Reply limit_udp_reply(const engine::World& world, rrl::Limiter& limiter,
                                            rrl::WorkerState& state, const engine::Scratch& scratch,
                                            const engine::Reply& reply, const sockaddr* peer,
                                            std::uint64_t now_us, std::span<std::uint8_t> out,
                                            metrics::WorkerCounters* counters) noexcept;

}  // namespace sgdns::net
