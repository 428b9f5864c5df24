// SPDX-License-Identifier: MIT
// The open-files budget: what a configuration may hold open, and the setting named when it does not fit.
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "descriptor_limit.h"

using namespace sgdns;

TEST_CASE("the descriptor budget counts every kind and names the setting to lower", "[app]") {
  config::Config c;
  c.listen = {dns::parse_socket_address("127.0.0.1:53"), dns::parse_socket_address("[::1]:53")};
  c.tcp.max_connections = 1024;
  auto needs = app::descriptor_needs(c, 4, 0);
  CHECK(needs.udp_sockets == 8);
  CHECK(needs.tcp_listeners == 2);
  CHECK(needs.tcp_connections == 1024);
  CHECK(needs.admin == 0);
  CHECK(needs.probes == 0);
  c.admin.listen = dns::parse_socket_address("127.0.0.1:8053");
  needs = app::descriptor_needs(c, 4, 10);
  CHECK(needs.admin > 4);
  CHECK(needs.probes >= 20);
  CHECK_NOTHROW(app::check_descriptor_limit(needs, needs.total()));
  try {
    app::check_descriptor_limit(needs, needs.total() - 100);
    FAIL("no error");
  } catch (const config::ConfigError& e) {
    std::string what = e.what();
    INFO(what);
    CHECK(what.find("lower tcp.max_connections (--tcp-max-connections) to 924 or less") != std::string::npos);
    CHECK(what.find("RLIMIT_NOFILE is " + std::to_string(needs.total() - 100)) != std::string::npos);
  }
}

TEST_CASE("the soft open-files limit is raised to the hard limit", "[app]") {
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  if (before.rlim_max == RLIM_INFINITY || before.rlim_max < 64) return;  // nothing to observe here
  rlimit lowered = before;
  lowered.rlim_cur = 64;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  std::size_t now = app::raise_descriptor_limit();
  rlimit after{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &after) == 0);
  ::setrlimit(RLIMIT_NOFILE, &before);
  CHECK(now == before.rlim_max);
  CHECK(after.rlim_cur == before.rlim_max);
}
