// SPDX-License-Identifier: MIT
// IP literals in and out: inet_pton and inet_ntop behind one interface (address.h says why one).
#include "sgdns/dns/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace sgdns::dns {
namespace {

/// Longer than any IPv6 literal, IPv4-embedded forms included (INET6_ADDRSTRLEN is 46 with its NUL).
constexpr std::size_t kMaxLiteral = INET6_ADDRSTRLEN;

long parse_number(std::string_view text, long max, const char* what) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max)
    throw std::invalid_argument(std::string("bad ") + what + " \"" + std::string(text) + "\"");
  return value;
}

}  // namespace

bool parse_ip(std::string_view text, IpAddress& out) noexcept {
  // inet_pton wants a C string; a literal longer than any address is not one.
  char buf[kMaxLiteral];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::uint8_t bytes[16] = {};
  if (::inet_pton(AF_INET, buf, bytes) == 1) {
    out = IpAddress{4, {}};
    std::memcpy(out.bytes, bytes, 4);
    return true;
  }
  if (::inet_pton(AF_INET6, buf, bytes) == 1) {
    out = IpAddress{6, {}};
    std::memcpy(out.bytes, bytes, 16);
    return true;
  }
  return false;
}

IpAddress ip_from_text(std::string_view text) {
  IpAddress out;
  if (!parse_ip(text, out)) throw std::invalid_argument("\"" + std::string(text) + "\" is not an IP address");
  return out;
}

Prefix parse_prefix(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view host = text.substr(0, slash);
  IpAddress ip;
  if (!parse_ip(host, ip)) throw std::invalid_argument("bad address \"" + std::string(host) + "\"");
  Prefix p;
  p.family = ip.family;
  std::memcpy(p.bytes, ip.bytes, sizeof p.bytes);
  const int max = p.family == 4 ? 32 : 128;
  p.length = slash == std::string_view::npos
                 ? max
                 : static_cast<int>(parse_number(text.substr(slash + 1), max, "prefix length"));
  for (int bit = p.length; bit < max; ++bit) {
    if (p.bytes[bit / 8] & (0x80 >> (bit % 8)))
      throw std::invalid_argument("\"" + std::string(text) + "\" has bits set past its prefix length");
  }
  return p;
}

sockaddr_storage to_sockaddr(const IpAddress& address, std::uint16_t port) noexcept {
  sockaddr_storage out{};
  if (address.family == 4) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    std::memcpy(&in4->sin_addr, address.bytes, 4);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, address.bytes, 16);
  }
  return out;
}

sockaddr_storage parse_ip_address(std::string_view text) {
  return to_sockaddr(ip_from_text(text), 0);
}

SocketAddress parse_socket_address(std::string_view text) {
  SocketAddress out;
  out.text = std::string(text);
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("expected [IPv6]:PORT, got \"" + out.text + "\"");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      throw std::invalid_argument("expected ADDRESS:PORT or [IPv6]:PORT, got \"" + out.text + "\"");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  const auto port_number = static_cast<std::uint16_t>(parse_number(port, 65535, "port"));
  IpAddress ip;
  if (!parse_ip(host, ip))
    throw std::invalid_argument("bad address \"" + std::string(host) + "\" in \"" + out.text + "\"");
  out.storage = to_sockaddr(ip, port_number);
  out.length = ip.family == 4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  return out;
}

std::string ip_text(int family, const std::uint8_t* bytes) {
  char buf[INET6_ADDRSTRLEN] = "?";
  ::inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes, buf, sizeof buf);
  return buf;
}

std::string ip_text(const sockaddr* address) {
  if (address && address->sa_family == AF_INET)
    return ip_text(
        4, reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr));
  if (address && address->sa_family == AF_INET6)
    return ip_text(6, reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr.s6_addr);
  return "?";
}

std::string to_string(const sockaddr* address) {
  if (!address || (address->sa_family != AF_INET && address->sa_family != AF_INET6)) return "?";
  const bool v4 = address->sa_family == AF_INET;
  const std::uint16_t port = v4 ? reinterpret_cast<const sockaddr_in*>(address)->sin_port
                                : reinterpret_cast<const sockaddr_in6*>(address)->sin6_port;
  // Appended piecewise: GCC 12 -O3 warns falsely (-Wrestrict) on a + chain here.
  std::string out = v4 ? "" : "[";
  out += ip_text(address);
  out += v4 ? ":" : "]:";
  out += std::to_string(ntohs(port));
  return out;
}

std::string prefix_text(const Prefix& prefix) {
  std::string out = ip_text(prefix.family, prefix.bytes);
  out += '/';
  out += std::to_string(prefix.length);
  return out;
}

}  // namespace sgdns::dns
