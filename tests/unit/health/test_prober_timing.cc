// SPDX-License-Identifier: MIT
// Detection time with the default check settings: a killed backend (refused) and a hung one (accepts,
// never answers), measured from the moment of failure to the listener's "down".
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "health_recorder.h"
#include "health_test_server.h"
#include "sgdns/health/prober.h"

using namespace sgdns::health;
using namespace sgdns::health_test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Mode = TestHttpServer::Mode;

namespace {

constexpr int kBackends = 4;  // independent probe phases, so each backend is one sample
constexpr int kRounds = 2;

/// Switches every server to `mode` and returns the seconds from each switch to its endpoint's flip.
/// With `random_phase` each switch happens at a random moment of the next 1.1 s: right after a flip
/// every endpoint has just been probed, so switching at once would always measure the worst phase.
std::vector<double> time_to_flip(std::vector<std::unique_ptr<TestHttpServer>>& servers, Recorder& rec,
                                 Mode mode, bool up, bool random_phase) {
  static std::mt19937 rng(std::random_device{}());
  std::vector<std::pair<int, int>> order;  // (delay ms, backend)
  for (int i = 0; i < kBackends; ++i) {
    order.emplace_back(random_phase ? std::uniform_int_distribution<int>(0, 1100)(rng) : 0, i);
  }
  std::sort(order.begin(), order.end());
  std::vector<std::size_t> before(kBackends);
  std::vector<Clock::time_point> at(kBackends);
  Clock::time_point start = Clock::now();
  for (auto [delay, i] : order) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(delay));
    before[i] = rec.count(static_cast<std::uint32_t>(i));
    at[i] = Clock::now();  // taken before the switch: a conservative measurement
    REQUIRE(servers[i]->set_mode(mode));
  }
  std::vector<double> seconds;
  for (int i = 0; i < kBackends; ++i) {
    auto id = static_cast<std::uint32_t>(i);
    REQUIRE(rec.wait_flip(id, up, before[i], 6s));
    for (const Event& e : rec.events(id)) {
      if (e.change && e.up == up && e.at > at[i]) {
        seconds.push_back(std::chrono::duration<double>(e.at - at[i]).count());
        break;
      }
    }
  }
  return seconds;
}

void print(const char* what, std::vector<double> s) {
  std::sort(s.begin(), s.end());
  std::printf("[health] %s -> down (s):", what);
  for (double x : s) std::printf(" %.3f", x);
  std::printf("  median %.3f\n", s.empty() ? 0.0 : s[s.size() / 2]);
}

}  // namespace

TEST_CASE("Prober: default settings detect kill and hang quickly", "[health][timing]") {
  std::vector<std::unique_ptr<TestHttpServer>> servers;
  std::vector<Endpoint> endpoints;
  for (int i = 0; i < kBackends; ++i) {
    servers.push_back(std::make_unique<TestHttpServer>());
    Endpoint e;
    e.id = static_cast<std::uint32_t>(i);
    e.address = "127.0.0.1";
    e.name = "timing/" + std::to_string(i);
    e.check.type = CheckType::Http;
    e.check.port = servers.back()->port();
    endpoints.push_back(e);  // every other setting is the default
  }
  Recorder rec;
  Prober prober(rec.listener());
  prober.set_endpoints(endpoints);
  prober.start();
  for (int i = 0; i < kBackends; ++i) REQUIRE(rec.wait_results(static_cast<std::uint32_t>(i), 1, 3s));

  std::vector<double> killed, hung;
  for (int round = 0; round < kRounds; ++round) {
    auto k = time_to_flip(servers, rec, Mode::Closed, false, true);
    killed.insert(killed.end(), k.begin(), k.end());
    (void)time_to_flip(servers, rec, Mode::Ok, true, false);
    auto h = time_to_flip(servers, rec, Mode::Hang, false, true);
    hung.insert(hung.end(), h.begin(), h.end());
    (void)time_to_flip(servers, rec, Mode::Ok, true, false);
  }
  print("killed", killed);
  print("hung", hung);
  REQUIRE(killed.size() == kBackends * kRounds);
  REQUIRE(hung.size() == kBackends * kRounds);
  for (double s : killed) CHECK(s < 1.6);
  for (double s : hung) CHECK(s < 2.8);
}
