// SPDX-License-Identifier: MIT
// The one IP-literal parser (dns/address.h) and the printable forms of addresses and prefixes.
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <string>

#include "sgdns/dns/address.h"

using namespace sgdns;

TEST_CASE("parse_ip: IPv4 and IPv6 literals, and nothing else", "[dns][address]") {
  dns::IpAddress ip;
  REQUIRE(dns::parse_ip("192.0.2.1", ip));
  CHECK(ip.family == 4);
  CHECK(ip.size() == 4);
  CHECK(ip.bytes[0] == 192);
  CHECK(ip.bytes[3] == 1);
  REQUIRE(dns::parse_ip("2001:db8::1", ip));
  CHECK(ip.family == 6);
  CHECK(ip.size() == 16);
  CHECK(ip.bytes[0] == 0x20);
  CHECK(ip.bytes[15] == 1);
  REQUIRE(dns::parse_ip("::ffff:192.0.2.1", ip));  // an IPv4-mapped literal is IPv6 text
  CHECK(ip.family == 6);
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.1 ", " 192.0.2.1", "[::1]", "fe80::1%eth0",
                          "::1/128", "host.example", "1.2.3.4.5", "gggg::1"}) {
    INFO(bad);
    CHECK_FALSE(dns::parse_ip(bad, ip));
  }
  // Longer than any literal: refused before inet_pton sees it, whatever it holds.
  CHECK_FALSE(dns::parse_ip(std::string(200, '1'), ip));
  // Not a C string: the parser reads only the view's bytes.
  const std::string text = "10.0.0.1XYZ";
  REQUIRE(dns::parse_ip(std::string_view(text).substr(0, 8), ip));
  CHECK(dns::ip_text(ip.family, ip.bytes) == "10.0.0.1");
  CHECK_THROWS_WITH(dns::ip_from_text("nope"), "\"nope\" is not an IP address");
}

TEST_CASE("prefixes parse and print", "[dns][address]") {
  CHECK(dns::parse_prefix("2001:db8::/32").length == 32);
  CHECK(dns::parse_prefix("192.0.2.1").length == 32);
  CHECK(dns::parse_prefix("::1").length == 128);
  CHECK_THROWS(dns::parse_prefix("192.0.2.0/33"));
  CHECK_THROWS(dns::parse_prefix("192.0.2.0/"));
  CHECK_THROWS(dns::parse_prefix("192.0.2.0/-1"));
  CHECK_THROWS_WITH(dns::parse_prefix("192.0.2.1/24"),
                    "\"192.0.2.1/24\" has bits set past its prefix length");
  CHECK(dns::prefix_text(dns::parse_prefix("198.51.100.0/22")) == "198.51.100.0/22");
  CHECK(dns::prefix_text(dns::parse_prefix("2001:db8:3::/48")) == "2001:db8:3::/48");
}

TEST_CASE("socket addresses parse and print", "[dns][address]") {
  dns::SocketAddress a = dns::parse_socket_address("127.0.0.1:5353");
  CHECK(a.family() == AF_INET);
  CHECK(a.length == sizeof(sockaddr_in));
  CHECK(a.text == "127.0.0.1:5353");
  CHECK(dns::to_string(a.get()) == "127.0.0.1:5353");
  CHECK(dns::ip_text(a.get()) == "127.0.0.1");
  dns::SocketAddress b = dns::parse_socket_address("[::1]:53");
  CHECK(b.family() == AF_INET6);
  CHECK(dns::to_string(b.get()) == "[::1]:53");
  for (const char* bad : {"127.0.0.1", "::1:53", "[::1]53", "[::1]:", "127.0.0.1:65536", "127.0.0.1:x",
                          "localhost:53", "[127.0.0.1:53"}) {
    INFO(bad);
    CHECK_THROWS(dns::parse_socket_address(bad));
  }
  CHECK(dns::ip_text(nullptr) == "?");
  CHECK(dns::to_string(nullptr) == "?");
  sockaddr_storage s = dns::parse_ip_address("2001:db8::53");
  CHECK(s.ss_family == AF_INET6);
  CHECK(dns::ip_text(reinterpret_cast<const sockaddr*>(&s)) == "2001:db8::53");
}
