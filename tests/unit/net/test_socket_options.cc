// SPDX-License-Identifier: MIT
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "../../../src/net/socket_options.h"
#include "sgdns/dns/address.h"

using namespace sgdns;

namespace {

int option(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  REQUIRE(::getsockopt(fd, level, name, &value, &len) == 0);
  return value;
}

}  // namespace

TEST_CASE("UDP sockets never fragment, ignore path MTU and ask for PKTINFO only on wildcard addresses",
          "[net]") {
  SECTION("IPv4, one address") {
    int fd = net::bind_udp(dns::parse_socket_address("127.0.0.1:0"), false);
    CHECK(option(fd, IPPROTO_IP, IP_MTU_DISCOVER) == IP_PMTUDISC_PROBE);
    CHECK(option(fd, IPPROTO_IP, IP_PKTINFO) == 0);
    CHECK(option(fd, SOL_SOCKET, SO_REUSEPORT) == 1);
    ::close(fd);
  }
  SECTION("IPv4, wildcard") {
    const auto address = dns::parse_socket_address("0.0.0.0:0");
    CHECK(net::is_wildcard(address));
    int fd = net::bind_udp(address, true);
    CHECK(option(fd, IPPROTO_IP, IP_PKTINFO) == 1);
    ::close(fd);
  }
  SECTION("IPv6") {
    CHECK(net::is_wildcard(dns::parse_socket_address("[::]:0")));
    CHECK_FALSE(net::is_wildcard(dns::parse_socket_address("[::1]:0")));
    CHECK_FALSE(net::is_wildcard(dns::parse_socket_address("127.0.0.1:0")));
    int fd = net::bind_udp(dns::parse_socket_address("[::1]:0"), false);
    CHECK(option(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER) == IPV6_PMTUDISC_PROBE);
    CHECK(option(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 1);
    ::close(fd);
  }
}
