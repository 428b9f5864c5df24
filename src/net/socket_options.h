// SPDX-License-Identifier: MIT
// Socket set-up shared by the UDP and TCP servers: the one place for platform socket options.
#pragma once
#include "sgdns/config/address.h"

namespace sgdns::net {

/// A bound UDP socket with SO_REUSEPORT (one per worker), PKTINFO enabled, large buffers, non-blocking.
/// Throws std::runtime_error naming the address on failure.
[[nodiscard]] int bind_udp(const config::SocketAddress& address);

}  // namespace sgdns::net
