// SPDX-License-Identifier: MIT
// Address and prefix parsing for flags and configuration files.
#include "sgdns/config/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <stdexcept>

namespace sgdns::config {
namespace {

long parse_number(std::string_view text, long max, const char* what) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max)
    throw std::invalid_argument(std::string("bad ") + what + " \"" + std::string(text) + "\"");
  return value;
}

}  // namespace

SocketAddress parse_socket_address(std::string_view text) {
  SocketAddress out;
  out.text = std::string(text);
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("expected [IPv6]:PORT, got \"" + out.text + "\"");
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      throw std::invalid_argument("expected ADDRESS:PORT or [IPv6]:PORT, got \"" + out.text + "\"");
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  auto port_number = static_cast<std::uint16_t>(parse_number(port, 65535, "port"));
  auto* in4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port_number);
    out.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port_number);
    out.length = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("bad address \"" + host + "\" in \"" + out.text + "\"");
  }
  return out;
}

sockaddr_storage parse_ip_address(std::string_view text) {
  sockaddr_storage out{};
  std::string host(text);
  auto* in4 = reinterpret_cast<sockaddr_in*>(&out);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
  } else {
    throw std::invalid_argument("\"" + host + "\" is not an IP address");
  }
  return out;
}

engine::Prefix parse_prefix(std::string_view text) {
  engine::Prefix p;
  auto slash = text.find('/');
  std::string host(text.substr(0, slash));
  if (inet_pton(AF_INET, host.c_str(), p.bytes) == 1) {
    p.family = 4;
  } else if (inet_pton(AF_INET6, host.c_str(), p.bytes) == 1) {
    p.family = 6;
  } else {
    throw std::invalid_argument("bad address \"" + host + "\"");
  }
  int max = p.family == 4 ? 32 : 128;
  p.length = slash == std::string_view::npos
                 ? max
                 : static_cast<int>(parse_number(text.substr(slash + 1), max, "prefix length"));
  for (int bit = p.length; bit < max; ++bit) {
    if (p.bytes[bit / 8] & (0x80 >> (bit % 8)))
      throw std::invalid_argument("\"" + std::string(text) + "\" has bits set past its prefix length");
  }
  return p;
}

std::string to_string(const sockaddr* address) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (address->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(in4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    std::string out = "[";  // appended piecewise: GCC 12 -O3 warns falsely (-Wrestrict) on a + chain here
    out += buf;
    out += "]:";
    out += std::to_string(ntohs(in6->sin6_port));
    return out;
  }
  return "?";
}

}  // namespace sgdns::config
