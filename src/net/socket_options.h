// SPDX-License-Identifier: MIT
// Socket set-up shared by the UDP and TCP servers: the one place for platform socket options.
#pragma once
#include "sgdns/dns/address.h"

namespace sgdns::net {

/// A bound, blocking UDP socket with SO_REUSEPORT (one per worker) and large buffers; with `pktinfo` the
/// destination address of each datagram is delivered too. Throws std::runtime_error naming the address.
[[nodiscard]] int bind_udp(const dns::SocketAddress& address, bool pktinfo);

/// True for 0.0.0.0 and ::. Only a socket bound there needs PKTINFO: one bound to a single address
/// replies from that address anyway, and skipping the control messages saves work on every datagram.
[[nodiscard]] bool is_wildcard(const dns::SocketAddress& address);

}  // namespace sgdns::net
