// SPDX-License-Identifier: MIT
// Socket errors a transport survives: every one counted, the log told where and why, at a bounded rate.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "../../../src/net/survived_error.h"
#include "sgdns/metrics/counters.h"

using namespace sgdns;

TEST_CASE("survived socket errors are counted every time and logged at most once a second", "[net]") {
  metrics::CounterSet set;
  metrics::WorkerCounters& counters = set.add_worker();
  char path[] = "/tmp/sgdns-socket-log-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  int saved = ::dup(2);
  ::dup2(fd, 2);
  for (int i = 0; i < 50; ++i)
    net::survived_error(&counters, metrics::SocketError::UdpReceive, "udp 127.0.0.1:5353", ECONNREFUSED);
  net::survived_error(&counters, metrics::SocketError::TcpAccept, "tcp 127.0.0.1:5353", -EMFILE);
  ::dup2(saved, 2);
  ::close(saved);
  std::string log(8192, '\0');
  log.resize(static_cast<std::size_t>(::pread(fd, log.data(), log.size(), 0)));
  ::close(fd);
  ::unlink(path);
  INFO(log);

  const auto errors = set.sum(&metrics::WorkerCounters::socket_errors);
  CHECK(errors[static_cast<std::size_t>(metrics::SocketError::UdpReceive)] == 50);
  CHECK(errors[static_cast<std::size_t>(metrics::SocketError::TcpAccept)] == 1);
  CHECK(log.find("udp 127.0.0.1:5353: receive failed (retrying): Connection refused") != std::string::npos);
  // A libuv error (negative) is described by libuv.
  CHECK(log.find("tcp 127.0.0.1:5353: accept failed (connection dropped): too many open files") !=
        std::string::npos);
  // 50 receive errors within (at most) two seconds: one or two lines, not fifty.
  const auto lines = std::count(log.begin(), log.end(), '\n');
  CHECK(lines >= 2);
  CHECK(lines <= 3);
}
