// SPDX-License-Identifier: MIT
// Prefix matching for allow lists; no allocation, safe on the query path.
#include "sgdns/dns/prefix.h"

#include <netinet/in.h>

#include <cstring>

namespace sgdns::dns {

bool prefix_contains(const Prefix& p, int family, const std::uint8_t* addr) noexcept {
  if (p.family != family) return false;
  int full = p.length / 8, rest = p.length % 8;
  if (std::memcmp(p.bytes, addr, static_cast<std::size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (p.bytes[full] & mask) == (addr[full] & mask);
}

bool address_in(std::span<const Prefix> prefixes, const sockaddr* address) noexcept {
  if (!address) return false;
  int family = 0;
  const std::uint8_t* bytes = nullptr;
  if (address->sa_family == AF_INET) {
    family = 4;
    bytes = reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  } else if (address->sa_family == AF_INET6) {
    const auto* a6 = &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    family = IN6_IS_ADDR_V4MAPPED(a6) ? 4 : 6;
    bytes = reinterpret_cast<const std::uint8_t*>(a6) + (family == 4 ? 12 : 0);
  } else {
    return false;
  }
  for (const Prefix& p : prefixes) {
    if (prefix_contains(p, family, bytes)) return true;
  }
  return false;
}

}  // namespace sgdns::dns
