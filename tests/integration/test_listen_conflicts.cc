// SPDX-License-Identifier: MIT
// One instance per address: a busy UDP, TCP or admin port and a second sgdns on a running one's address each
// end start-up within a second with status 2 and "sgdns: <address>: <reason>"; the first keeps serving.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

// A loopback socket of `type` holding `port` (listening, for TCP) until destroyed.
class PortHolder {
 public:
  PortHolder(int type, uint16_t port) : fd_(::socket(AF_INET, type, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    if (type == SOCK_STREAM) REQUIRE(::listen(fd_, 8) == 0);
  }
  ~PortHolder() { ::close(fd_); }
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;

 private:
  int fd_;
};

struct Refusal {
  std::optional<int> status;
  double seconds = 0;
  std::string log;
};

// Starts sgdns with `args` (which carry their own --listen) and waits up to five seconds for it to end.
Refusal start_expecting_refusal(const std::vector<std::string>& args) {
  auto started = Clock::now();
  ServerProcess server(args, false);
  Refusal r;
  r.status = server.wait_exit(Millis(5000));
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  r.log = server.stderr_text();
  return r;
}

void check_refusal(const Refusal& r, const std::string& prefix) {
  INFO("stderr:\n" << r.log << "after " << r.seconds << " s");
  REQUIRE(r.status.has_value());
  CHECK(*r.status == 2);
  CHECK(r.seconds < 1.0);
  auto lines = nonempty_lines(r.log);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind(prefix, 0) == 0);
}

}  // namespace

TEST_CASE("a busy UDP, TCP or admin port ends start-up within a second with status 2",
          "[integration][listen][timing]") {
  TempDir dir;
  std::string zone = dir.write("it.test.zone", integration_zone());
  uint16_t port = free_port();
  std::string dns = "127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> base{"--zone", "it.test.=" + zone, "--listen", dns};

  SECTION("UDP") {
    PortHolder holder(SOCK_DGRAM, port);
    check_refusal(start_expecting_refusal(base), "sgdns: " + dns + ": udp: Address already in use");
  }
  SECTION("TCP") {
    PortHolder holder(SOCK_STREAM, port);
    check_refusal(start_expecting_refusal(base), "sgdns: " + dns + ": tcp: Address already in use");
  }
  SECTION("admin") {
    uint16_t admin_port = free_port();
    std::string admin = "127.0.0.1:" + std::to_string(admin_port);
    PortHolder holder(SOCK_STREAM, admin_port);
    auto args = base;
    args.insert(args.end(), {"--admin", admin});
    check_refusal(start_expecting_refusal(args), "sgdns: " + admin + ": tcp: Address already in use");
  }
  SECTION("an address that is not this host's") {
    const std::vector<std::string> args{"--zone", "it.test.=" + zone, "--listen",
                                        "192.0.2.1:" + std::to_string(port)};
    check_refusal(start_expecting_refusal(args), "sgdns: 192.0.2.1:" + std::to_string(port) + ": udp: ");
  }
  SECTION("the same address twice") {
    auto args = base;
    args.insert(args.end(), {"--admin", dns});
    check_refusal(start_expecting_refusal(args), "sgdns: " + dns + ": listed twice");
  }
}

TEST_CASE("a second sgdns on a running one's address is refused, naming it; the first keeps every query",
          "[integration][listen]") {
  TempDir dir;
  std::string zone = dir.write("it.test.zone", integration_zone());
  std::string dns = "127.0.0.1:" + std::to_string(free_port());
  std::string admin = "127.0.0.1:" + std::to_string(free_port());
  ServerProcess first({"--zone", "it.test.=" + zone, "--listen", dns, "--admin", admin}, false);
  const uint16_t port = static_cast<uint16_t>(std::stoi(dns.substr(dns.rfind(':') + 1)));
  REQUIRE(wait_until_answers(first.process(), "127.0.0.1", port, "it.test."));
  const std::string holder = "in use by another sgdns (pid " + std::to_string(first.process().pid()) + ")";

  SECTION("same DNS address") {
    check_refusal(start_expecting_refusal({"--zone", "it.test.=" + zone, "--listen", dns}),
                  "sgdns: " + dns + ": " + holder);
  }
  SECTION("same admin address, another DNS port") {
    std::string other = "127.0.0.1:" + std::to_string(free_port());
    check_refusal(
        start_expecting_refusal({"--zone", "it.test.=" + zone, "--listen", other, "--admin", admin}),
        "sgdns: " + admin + ": " + holder);
  }
  // The refused instance never shared the port: the first answers every query, over UDP and TCP.
  for (int i = 0; i < 10; ++i) {
    auto udp = exchange(Endpoint("127.0.0.1", port), build_query(make_query("www.it.test", kTypeA)),
                        Transport::Udp, Millis(1000));
    CHECK(udp.has_value());
  }
  auto tcp = exchange(Endpoint("127.0.0.1", port), build_query(make_query("www.it.test", kTypeA)),
                      Transport::Tcp, Millis(1000));
  CHECK(tcp.has_value());
  CHECK(first.process().running());
}

TEST_CASE("the address lock goes with the process: a restart after kill -9 starts at once",
          "[integration][listen]") {
  TempDir dir;
  std::string zone = dir.write("it.test.zone", integration_zone());
  ServerProcess first({"--zone", "it.test.=" + zone});
  REQUIRE(first.wait_ready("it.test."));
  std::string dns = "127.0.0.1:" + std::to_string(first.port());
  REQUIRE(first.signal(SIGKILL));
  REQUIRE(first.wait_exit(Millis(5000)).has_value());
  ServerProcess second({"--zone", "it.test.=" + zone, "--listen", dns}, false);
  INFO("stderr:\n" << second.stderr_text());
  CHECK(wait_until_answers(second.process(), "127.0.0.1", first.port(), "it.test."));
}
