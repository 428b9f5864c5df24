// SPDX-License-Identifier: MIT
// TCP slot bookkeeping: per-source counts and the idle order used for eviction.
#include "tcp_slots.h"

#include <netinet/in.h>

#include <cstring>

namespace sgdns::net {

SourceKey source_key(const sockaddr* peer) noexcept {
  SourceKey k;
  if (peer->sa_family == AF_INET) {
    std::uint32_t a = 0;
    std::memcpy(&a, &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, 4);
    k.low = a;
    k.high = ~std::uint64_t{0};  // never equal to an IPv6 /64's
  } else if (peer->sa_family == AF_INET6) {
    std::memcpy(&k.high, &reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr, 8);
  }
  return k;
}

int TcpSlots::from(const SourceKey& source) const noexcept {
  auto it = per_source_.find(source);
  return it == per_source_.end() ? 0 : it->second;
}

TcpSlots::Position TcpSlots::add(TcpConnection* c, const SourceKey& source) {
  ++per_source_[source];
  return order_.insert(order_.end(), c);
}

void TcpSlots::remove(Position at, const SourceKey& source) {
  order_.erase(at);
  auto it = per_source_.find(source);
  if (it != per_source_.end() && --it->second == 0) per_source_.erase(it);
}

}  // namespace sgdns::net
