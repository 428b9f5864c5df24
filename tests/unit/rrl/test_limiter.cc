// SPDX-License-Identifier: MIT
// Response rate limiting: the GCRA buckets (burst, steady rate, refill, takeover, clock wrap, exactness
// under concurrent workers) and the limiter's keys, slip and exempt list.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/rrl/limiter.h"
#include "sgdns/rrl/table.h"

using namespace sgdns;

namespace {

constexpr std::uint64_t kInterval = 5'000;                   // 200 a second
constexpr std::uint64_t kTolerance = 1'000'000 - kInterval;  // a one-second window: a burst of 200

sockaddr_storage address(const char* text) {
  sockaddr_storage s{};
  auto* in = reinterpret_cast<sockaddr_in*>(&s);
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    return s;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&s);
  REQUIRE(inet_pton(AF_INET6, text, &in6->sin6_addr) == 1);
  in6->sin6_family = AF_INET6;
  return s;
}

struct Probe {
  rrl::Limiter limiter{4096};
  rrl::Settings settings;
  rrl::WorkerState worker;
  std::vector<std::uint8_t> name = dns::name_from_text("www.example.test.");

  rrl::Action ask(const sockaddr_storage& client, std::uint64_t now_us, rrl::Kind kind = rrl::Kind::Answer,
                  std::uint16_t qtype = 1, const std::vector<std::uint8_t>* other_name = nullptr) {
    rrl::Response r{kind, qtype, (other_name ? *other_name : name).data(),
                    reinterpret_cast<const sockaddr*>(&client)};
    return limiter.decide(settings, r, now_us, worker);
  }
  /// Sends `n` responses at `now_us` and counts those allowed.
  int allowed(const sockaddr_storage& client, std::uint64_t now_us, int n) {
    int sent = 0;
    for (int i = 0; i < n; ++i) sent += ask(client, now_us) == rrl::Action::Send;
    return sent;
  }
};

}  // namespace

TEST_CASE("a bucket allows a burst of rate x window, then refuses until time refills it", "[rrl]") {
  rrl::Table table(16);
  const std::uint64_t t0 = 1'000'000'000;
  for (int i = 0; i < 200; ++i) REQUIRE(table.take(42, t0, kInterval, kTolerance).allowed);
  auto refused = table.take(42, t0, kInterval, kTolerance);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.started);
  auto again = table.take(42, t0 + 10, kInterval, kTolerance);
  CHECK_FALSE(again.allowed);
  CHECK_FALSE(again.started);  // the start of limiting is reported once
  auto refilled = table.take(42, t0 + kInterval, kInterval, kTolerance);
  CHECK(refilled.allowed);
  CHECK(refilled.ended);
  CHECK_FALSE(table.take(42, t0 + kInterval, kInterval, kTolerance).allowed);
  // A long quiet spell refills the whole burst, and no more.
  int burst = 0;
  for (int i = 0; i < 400; ++i) burst += table.take(42, t0 + 60'000'000, kInterval, kTolerance).allowed;
  CHECK(burst == 200);
}

TEST_CASE("a flood at 10x the rate gets the burst, then exactly the rate", "[rrl]") {
  rrl::Table table(16);
  const std::uint64_t t0 = 5'000'000;
  int allowed = 0;
  for (std::uint64_t t = 0; t < 10'000'000; t += 500)
    allowed += table.take(7, t0 + t, kInterval, kTolerance).allowed;
  // 200 at once, then one per 5 ms for 10 s.
  CHECK(allowed >= 2199);
  CHECK(allowed <= 2201);
}

TEST_CASE("buckets: another key takes a slot over; the clock's 2^40 wrap is not a stall", "[rrl]") {
  rrl::Table table(2);
  const std::uint64_t t0 = 1'000'000;
  for (int i = 0; i < 200; ++i) REQUIRE(table.take(0x10, t0, kInterval, kTolerance).allowed);
  REQUIRE_FALSE(table.take(0x10, t0, kInterval, kTolerance).allowed);
  // Same slot (hash & 1 == 0), different tag: a fresh bucket.
  CHECK(table.take(0x10 | (std::uint64_t{1} << 50), t0, kInterval, kTolerance).allowed);

  const std::uint64_t wrap = (std::uint64_t{1} << 40) - 2'000;  // 2 ms before the TAT field wraps
  int allowed = 0;
  for (std::uint64_t t = 0; t < 3'000'000; t += 1'000)
    allowed += table.take(0x99, wrap + t, kInterval, kTolerance).allowed;
  CHECK(allowed >= 799);  // 200 + 3 s x 200
  CHECK(allowed <= 801);
}

TEST_CASE("workers racing on one bucket never let more than the burst through", "[rrl]") {
  rrl::Table table(16);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      int mine = 0;
      for (int i = 0; i < 20'000; ++i) mine += table.take(1234, 77'000'000, kInterval, kTolerance).allowed;
      allowed += mine;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(allowed == 200);
}

TEST_CASE("the key: client network, kind, name; qtype for answers only", "[rrl]") {
  Probe p;
  const std::uint64_t now = 10'000'000;
  const auto a = address("192.0.2.1"), same_net = address("192.0.2.200"), other_net = address("192.0.3.1");
  REQUIRE(p.allowed(a, now, 300) == 200);
  CHECK(p.allowed(same_net, now, 10) == 0);                          // one /24, one bucket
  CHECK(p.allowed(other_net, now, 10) == 10);                        // another network is unaffected
  CHECK(p.ask(a, now, rrl::Kind::Answer, 28) == rrl::Action::Send);  // AAAA is another flood than A
  CHECK(p.ask(a, now, rrl::Kind::NxDomain) == rrl::Action::Send);    // another kind
  auto other = dns::name_from_text("mail.example.test.");
  CHECK(p.ask(a, now, rrl::Kind::Answer, 1, &other) == rrl::Action::Send);  // another name

  // NODATA counts every qtype of a name together.
  for (int i = 0; i < 200; ++i)
    REQUIRE(p.ask(a, now, rrl::Kind::NoData, static_cast<std::uint16_t>(i)) == rrl::Action::Send);
  CHECK(p.ask(a, now, rrl::Kind::NoData, 999) != rrl::Action::Send);

  SECTION("IPv6 clients share a /56") {
    const auto v6 = address("2001:db8:0:aa::1"), v6_same = address("2001:db8:0:ff::2"),
               v6_other = address("2001:db8:0:100::1");
    REQUIRE(p.allowed(v6, now, 300) == 200);
    CHECK(p.allowed(v6_same, now, 5) == 0);
    CHECK(p.allowed(v6_other, now, 5) == 5);
  }
  SECTION("the prefix lengths are settings") {
    p.settings.ipv4_prefix = 32;
    CHECK(p.allowed(same_net, now, 5) == 5);
  }
}

TEST_CASE("slip: every slip-th limited response goes out truncated", "[rrl]") {
  Probe p;
  const auto a = address("198.51.100.7");
  const std::uint64_t now = 20'000'000;
  REQUIRE(p.allowed(a, now, 200) == 200);
  auto count = [&](int n) {
    int slips = 0, drops = 0;
    for (int i = 0; i < n; ++i) {
      rrl::Action action = p.ask(a, now);
      slips += action == rrl::Action::Slip;
      drops += action == rrl::Action::Drop;
    }
    return std::pair{slips, drops};
  };
  CHECK(count(100) == std::pair{50, 50});  // default 2
  p.settings.slip = 1;
  CHECK(count(10) == std::pair{10, 0});
  p.settings.slip = 0;
  CHECK(count(10) == std::pair{0, 10});
  p.settings.slip = 3;
  CHECK(count(30) == std::pair{10, 20});
}

TEST_CASE("exempt clients are never limited; the others still are", "[rrl]") {
  Probe p;
  p.settings.exempt.push_back({4, {203, 0, 113, 0}, 24});
  const std::uint64_t now = 30'000'000;
  CHECK(p.allowed(address("203.0.113.9"), now, 1000) == 1000);
  CHECK(p.allowed(address("198.51.100.9"), now, 1000) == 200);
}

TEST_CASE("the rate and window are settings", "[rrl]") {
  Probe p;
  p.settings.rate = 50;
  p.settings.window = 4;
  const auto a = address("192.0.2.77");
  CHECK(p.allowed(a, 40'000'000, 1000) == 200);  // 50 x 4
  CHECK(p.allowed(a, 41'000'000, 1000) == 50);   // one second later: 50 more
}

TEST_CASE("the start of limiting is logged, at most ten lines a second", "[rrl]") {
  Probe p;
  // Capture stderr in a file for the duration.
  char path[] = "/tmp/sgdns-rrl-log-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  int saved = dup(2);
  dup2(fd, 2);
  const std::uint64_t now = 50'000'000;
  for (int n = 0; n < 30; ++n) {  // 30 networks start being limited within one second
    std::string text = "10.0." + std::to_string(n) + ".1";
    (void)p.allowed(address(text.c_str()), now, 201);
  }
  (void)p.allowed(address("10.1.0.1"), now + 1'000'000, 201);  // the next second: logged, with the count
  dup2(saved, 2);
  close(saved);
  std::string log(4096, '\0');
  log.resize(static_cast<std::size_t>(pread(fd, log.data(), log.size(), 0)));
  close(fd);
  unlink(path);
  std::size_t lines = static_cast<std::size_t>(std::count(log.begin(), log.end(), '\n'));
  INFO(log);
  CHECK(lines == 11);
  CHECK(
      log.find("rrl: limiting answer responses for www.example.test. to 10.0.0.0/24 (over 200/s, slip 2)") !=
      std::string::npos);
  CHECK(log.find("to 10.1.0.0/24 (over 200/s, slip 2); 20 more not logged") != std::string::npos);
}
