// SPDX-License-Identifier: MIT
// A server bound to the wildcard address must reply from the address each query was sent to: a resolver
// drops a reply from any other source. A server bound to one address replies from it without PKTINFO.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

/// Sends `query` to `to_host`:`port` from an unconnected socket and returns the reply's source address.
std::optional<std::string> reply_source(const std::string& to_host, uint16_t port, const Bytes& query) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  REQUIRE(::inet_pton(AF_INET, to_host.c_str(), &to.sin_addr) == 1);
  std::optional<std::string> source;
  if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 2000) == 1) {
      Bytes buffer(4096);
      sockaddr_in from{};
      socklen_t from_len = sizeof from;
      if (::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len) >
          12) {
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
        source = std::string(text) + ":" + std::to_string(ntohs(from.sin_port));
      }
    }
  }
  ::close(fd);
  return source;
}

}  // namespace

TEST_CASE("UDP replies leave from the address the query was sent to", "[integration]") {
  const Bytes query = build_query(make_query("www.it.test", kTypeA));
  TempDir dir;
  const std::string zone = dir.write("it.test.zone", integration_zone());
  const uint16_t port = free_port();
  const std::string port_text = std::to_string(port);

  SECTION("bound to 0.0.0.0: each reply comes from the address it was sent to (PKTINFO)") {
    ServerProcess server({"--zone", "it.test.=" + zone, "--listen", "0.0.0.0:" + port_text}, false);
    Process& process = server.process();
    REQUIRE(wait_until_answers(process, "127.0.0.1", port, "it.test.", Millis(10000)));
    for (const std::string host : {"127.0.0.1", "127.0.0.2", "127.0.3.4"}) {
      INFO("query sent to " << host);
      CHECK(reply_source(host, port, query) == host + ":" + port_text);
    }
  }
  SECTION("bound to one address: replies come from it") {
    ServerProcess server({"--zone", "it.test.=" + zone, "--listen", "127.0.0.3:" + port_text}, false);
    Process& process = server.process();
    REQUIRE(wait_until_answers(process, "127.0.0.3", port, "it.test.", Millis(10000)));
    CHECK(reply_source("127.0.0.3", port, query) == "127.0.0.3:" + port_text);
  }
}
