// SPDX-License-Identifier: MIT
// An address prefix (allow lists, CIDR mappings) and matching a socket address against a list of them.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <span>

namespace sgdns::dns {

struct Prefix {
  int family = 4;  // 4 or 6; IPv4 uses the first 4 bytes
  std::uint8_t bytes[16] = {};
  int length = 0;
};

/// True when `address` (IPv4 bytes for family 4, IPv6 for 6) lies in `prefix`.
[[nodiscard]] bool prefix_contains(const Prefix& prefix, int family, const std::uint8_t* address) noexcept;

/// True when the socket address lies in any of `prefixes`; IPv4-mapped IPv6 addresses match IPv4 prefixes.
[[nodiscard]] bool address_in(std::span<const Prefix> prefixes, const sockaddr* address) noexcept;

}  // namespace sgdns::dns
