// SPDX-License-Identifier: MIT
// TcpServer start-up failures: a listen address that cannot be bound is an error, never a hang.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "sgdns/net/tcp_server.h"

using namespace sgdns;

namespace {

/// A loopback TCP socket listening on a kernel-chosen port; its port.
int listen_somewhere(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

}  // namespace

TEST_CASE("a TCP listen address in use throws at construction instead of hanging", "[net]") {
  int port = 0;
  int busy = listen_somewhere(port);
  net::WorldStore store(std::make_shared<engine::World>());
  std::vector<dns::SocketAddress> listen{dns::parse_socket_address("127.0.0.1:" + std::to_string(port))};
  // On a thread, so a regression shows as a failed check rather than a test binary that never ends.
  auto outcome = std::make_shared<std::promise<std::string>>();
  std::thread([outcome, listen, &store] {
    try {
      net::TcpServer server(listen, {}, store);
      outcome->set_value("constructed");
    } catch (const std::exception& e) {
      outcome->set_value(std::string("threw: ") + e.what());
    }
  }).detach();
  auto future = outcome->get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  std::string what = future.get();
  INFO(what);
  CHECK(what.rfind("threw: ", 0) == 0);
  CHECK(what.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  ::close(busy);
}
