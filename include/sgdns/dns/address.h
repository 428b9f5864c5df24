// SPDX-License-Identifier: MIT
// IP addresses as text: the one parser of IP literals (flags, configuration, zone files, pool members,
// probe targets, admin requests) and the printable forms of addresses and prefixes.
//
// Every module that reads an address from outside goes through parse_ip(), so "is this an address"
// has one answer everywhere: inet_pton's, without IPv6 zone ids ("fe80::1%eth0"), which no DNS answer
// can carry and no setting needs.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sgdns/dns/prefix.h"

namespace sgdns::dns {

/// An IPv4 or IPv6 address in network byte order; IPv4 uses the first 4 bytes.
struct IpAddress {
  int family = 4;  // 4 or 6
  std::uint8_t bytes[16] = {};
  [[nodiscard]] std::size_t size() const noexcept { return family == 4 ? 4 : 16; }
};

/// Parses a dotted-quad IPv4 or an IPv6 literal (no brackets, no zone id). Never allocates or throws.
[[nodiscard]] bool parse_ip(std::string_view text, IpAddress& out) noexcept;
/// The same, throwing std::invalid_argument ("\"TEXT\" is not an IP address").
[[nodiscard]] IpAddress ip_from_text(std::string_view text);

/// ADDRESS or ADDRESS/LENGTH; host bits must be zero. Throws std::invalid_argument saying why.
[[nodiscard]] Prefix parse_prefix(std::string_view text);

/// A socket address as the operator wrote it (listen addresses, the admin port).
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // as the operator wrote it
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  [[nodiscard]] int family() const { return storage.ss_family; }
};

/// ADDR:PORT or [ADDR6]:PORT. Throws std::invalid_argument with a reason.
[[nodiscard]] SocketAddress parse_socket_address(std::string_view text);
/// An address and port as a socket address (AF_INET or AF_INET6).
[[nodiscard]] sockaddr_storage to_sockaddr(const IpAddress& address, std::uint16_t port) noexcept;
/// An IP literal as a socket address with port 0; throws std::invalid_argument.
[[nodiscard]] sockaddr_storage parse_ip_address(std::string_view text);

/// The address of a socket address without its port ("192.0.2.1", "2001:db8::1"); "?" for other families
/// or null.
[[nodiscard]] std::string ip_text(const sockaddr* address);
/// Address bytes of `family` (4 or 6) as text.
[[nodiscard]] std::string ip_text(int family, const std::uint8_t* bytes);
/// With the port: "127.0.0.1:53", "[::1]:53".
[[nodiscard]] std::string to_string(const sockaddr* address);
/// "192.0.2.0/24".
[[nodiscard]] std::string prefix_text(const Prefix& prefix);

}  // namespace sgdns::dns
