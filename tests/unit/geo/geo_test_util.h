// SPDX-License-Identifier: MIT
// Helpers shared by the geo unit tests: networks and socket addresses from text, and back.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "sgdns/geo/net_map.h"

namespace geo_test {

/// "192.0.2.0/25" or "2001:db8::/32"; an IPv4 network lands in ::/96 like MaxMind stores it.
inline sgdns::geo::Network net(const std::string& text) {
  const auto slash = text.find('/');
  const std::string address = text.substr(0, slash);
  const int length = std::stoi(text.substr(slash + 1));
  std::uint8_t bytes[16] = {};
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) return sgdns::geo::Network::from_v4(bytes, length);
  if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) return sgdns::geo::Network::from_v6(bytes, length);
  throw std::invalid_argument("bad network " + text);
}

/// The text form of a walked network: IPv4 for ::/96 (as from_v4 made it), IPv6 otherwise.
inline std::string text(const sgdns::geo::Network& network) {
  static constexpr std::uint8_t kZero[12] = {};
  char buffer[INET6_ADDRSTRLEN];
  if (network.prefix_length >= 96 && std::memcmp(network.address, kZero, 12) == 0) {
    inet_ntop(AF_INET, network.address + 12, buffer, sizeof buffer);
    return std::string(buffer) + "/" + std::to_string(network.prefix_length - 96);
  }
  inet_ntop(AF_INET6, network.address, buffer, sizeof buffer);
  return std::string(buffer) + "/" + std::to_string(network.prefix_length);
}

/// Either family in one storage, built from text.
struct SocketAddress {
  sockaddr_storage storage{};
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

inline SocketAddress address(const std::string& text) {
  SocketAddress result;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  } else {
    throw std::invalid_argument("bad address " + text);
  }
  return result;
}

}  // namespace geo_test
