// SPDX-License-Identifier: MIT
// Parsing of listen addresses ("127.0.0.1:53", "[::1]:53") and prefixes ("10.0.0.0/8", "::1").
#pragma once
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "sgdns/config/duration.h"  // parse_duration_ms, declared here before
#include "sgdns/engine/world.h"

namespace sgdns::config {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // as the operator wrote it
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  [[nodiscard]] int family() const { return storage.ss_family; }
};

/// Throws std::invalid_argument with a reason when `text` is not ADDR:PORT or [ADDR6]:PORT.
[[nodiscard]] SocketAddress parse_socket_address(std::string_view text);
/// An IPv4 or IPv6 address literal as a socket address (port 0); throws std::invalid_argument.
[[nodiscard]] sockaddr_storage parse_ip_address(std::string_view text);
/// Throws std::invalid_argument when `text` is not ADDR or ADDR/LEN; host bits must be zero.
[[nodiscard]] engine::Prefix parse_prefix(std::string_view text);
/// Printable form of a socket address ("127.0.0.1:53", "[::1]:53").
[[nodiscard]] std::string to_string(const sockaddr* address);

}  // namespace sgdns::config
