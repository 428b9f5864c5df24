// SPDX-License-Identifier: MIT
// Black-box failover timing: three real HTTP backends (python3 -m http.server on 127.0.0.2-4) behind a
// checked pool at the default check settings (interval 1s, timeout 700ms, fall 2, rise 2). A backend is
// killed (connections refused) or hung (SIGSTOP: the kernel still accepts, nothing answers) and the DNS
// answer is polled until the address is gone, then until it is back.
//
// Each repetition prints one line, `failover: killed 0.62 s, hung 1.71 s, back 2.30 s`, which
// tests/load/failover_times.sh collects over many runs.
//
// When a failure starts relative to the prober's schedule decides most of the time to notice it (a probe
// runs every interval + jitter, so a kill waits 0..1.1 s for the next one). A handful of uniformly random
// kill moments gives a median that swings by half a second from run to run, so by default repetition i of
// N kills at phase (i + 0.5) / N of the probe cycle, timed from the endpoint's last_check in /v1/status:
// a stratified sample of the same distribution, whose median is the distribution's median. Set
// SGDNS_FAILOVER_PHASE=random for independent uniform phases and SGDNS_FAILOVER_REPS=N for N repetitions.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <random>
#include <thread>

#include "http_backend.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;
using Addresses = std::set<std::string>;

// One probe cycle at the default settings: interval 1 s plus up to 100 ms of jitter.
constexpr double kCycleSeconds = 1.05;
constexpr Millis kPollEvery(100);

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

bool random_phases() {
  const char* v = std::getenv("SGDNS_FAILOVER_PHASE");
  return v && std::string(v) == "random";
}

// Three backends on one free port, all answering.
struct Backends {
  Backends() : port(free_port_on({"127.0.0.2", "127.0.0.3", "127.0.0.4"})) {
    for (const char* a : {"127.0.0.2", "127.0.0.3", "127.0.0.4"})
      list.push_back(std::make_unique<HttpBackend>(a, port));
    for (auto& b : list) b->start();
    for (auto& b : list) {
      bool serving = b->wait_serving();
      INFO("backend " << b->address() << ":" << port << " log:\n" << b->log());
      REQUIRE(serving);
    }
  }
  HttpBackend& at(size_t i) { return *list[i % list.size()]; }
  Addresses all() const {
    Addresses out;
    for (const auto& b : list) out.insert(b->address());
    return out;
  }

  uint16_t port;
  std::vector<std::unique_ptr<HttpBackend>> list;
};

// Polls the DNS answer every 100 ms until `done` holds; the seconds since `t0` when it did, or nullopt after
// `limit`. `last` receives the last answer seen.
std::optional<double> poll_dns(const HealthServer& server, Clock::time_point t0, Millis limit,
                               const std::function<bool(const Addresses&)>& done,
                               std::optional<Addresses>* last = nullptr) {
  auto deadline = t0 + limit;
  for (auto next = Clock::now();; next += kPollEvery) {
    auto answer = server.addresses();
    if (last) *last = answer;
    if (answer && done(*answer)) return seconds_since(t0);
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_until(std::max(next + kPollEvery, Clock::now()));
  }
}

double last_check_of(const HealthServer& server, const std::string& address) {
  auto e = server.endpoint(address);
  return e.is_object() && e["last_check"].is_number() ? e["last_check"].get<double>() : 0;
}

// Waits for a fresh probe result of `address` (its last_check moves), then until `phase` of a probe cycle
// after it, so the failure that follows starts at a known point of the prober's schedule.
void align_to_probe_cycle(const HealthServer& server, const std::string& address, double phase) {
  double before = last_check_of(server, address);
  double fresh = before;
  auto deadline = Clock::now() + Millis(5000);
  while (fresh == before && Clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(15));
    fresh = last_check_of(server, address);
  }
  INFO("no new probe result for " << address << " within 5 s; sgdns log:\n" << server.log());
  REQUIRE(fresh != before);
  double wait = fresh + phase * kCycleSeconds - unix_now();
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
}

void require_all_answered(const HealthServer& server, const Addresses& all, Millis limit) {
  std::optional<Addresses> last;
  auto t = poll_dns(
      server, Clock::now(), limit, [&](const Addresses& a) { return a == all; }, &last);
  INFO("expected " << describe(all) << ", last answer " << describe(last) << "\nsgdns log:\n"
                   << server.log());
  REQUIRE(t.has_value());
}

HealthSetup setup_for(const Backends& backends) {
  HealthSetup s;
  s.check_port = backends.port;
  return s;
}

}  // namespace

TEST_CASE("a killed backend leaves the answer in about a second and a hung one in about two",
          "[integration][health][failover-timing][timing]") {
  Backends backends;
  const Addresses all = backends.all();
  HealthServer server(setup_for(backends));
  {
    bool ready = server.wait_ready();
    INFO("sgdns log:\n" << server.log());
    REQUIRE(ready);
  }
  // start_up "up": no false failover at boot, every member answers from the very first query.
  {
    auto first = server.addresses();
    INFO("first answer " << describe(first));
    CHECK(first == std::optional<Addresses>(all));
  }

  const int reps = std::max(1, env_int("SGDNS_FAILOVER_REPS", 3));
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  auto phase_of = [&](int rep) { return random_phases() ? uniform(rng) : (rep + 0.5) / reps; };
  std::vector<double> killed_times, hung_times, back_times;
  for (int rep = 0; rep < reps; ++rep) {
    HttpBackend& killed = backends.at(static_cast<size_t>(rep));
    HttpBackend& hung = backends.at(static_cast<size_t>(rep) + 1);
    require_all_answered(server, all, Millis(10000));
    std::optional<Addresses> last;

    // (a) Killed: connections are refused at once.
    align_to_probe_cycle(server, killed.address(), phase_of(rep));
    auto t0 = Clock::now();
    killed.kill();
    auto killed_s = poll_dns(
        server, t0, Millis(5000), [&](const Addresses& a) { return !a.count(killed.address()); }, &last);
    {
      INFO("rep " << rep << ": killed " << killed.address() << " still answered after 5 s: " << describe(last)
                  << "\nsgdns log:\n"
                  << server.log());
      REQUIRE(killed_s.has_value());
    }

    // (b) Hung: SIGSTOP, so connects succeed and no reply ever comes.
    align_to_probe_cycle(server, hung.address(), phase_of((rep + 1) % reps));
    auto t1 = Clock::now();
    hung.pause();
    auto hung_s = poll_dns(
        server, t1, Millis(6000), [&](const Addresses& a) { return !a.count(hung.address()); }, &last);
    {
      INFO("rep " << rep << ": hung " << hung.address() << " still answered after 6 s: " << describe(last)
                  << "\nsgdns log:\n"
                  << server.log());
      REQUIRE(hung_s.has_value());
    }
    {
      // One member is still live, so this is no fail-open answer.
      auto now = server.addresses();
      INFO("answer with two of three down: " << describe(now));
      CHECK(now == std::optional<Addresses>(Addresses{backends.at(static_cast<size_t>(rep) + 2).address()}));
    }

    // (c) Both come back once they answer again, after `rise` successes.
    hung.resume();
    killed.start();
    {
      bool serving = killed.wait_serving();
      INFO("restarted backend " << killed.address() << " log:\n" << killed.log());
      REQUIRE(serving);
    }
    auto t2 = Clock::now();
    auto back_s = poll_dns(
        server, t2, Millis(8000), [&](const Addresses& a) { return a == all; }, &last);
    {
      INFO("rep " << rep << ": not all back after 8 s: " << describe(last) << "\nsgdns log:\n"
                  << server.log());
      REQUIRE(back_s.has_value());
    }

    killed_times.push_back(*killed_s);
    hung_times.push_back(*hung_s);
    back_times.push_back(*back_s);
    std::cout << "failover: killed " << seconds_text(*killed_s) << " s, hung " << seconds_text(*hung_s)
              << " s, back " << seconds_text(*back_s) << " s" << std::endl;
  }

  double killed_median = median(killed_times), hung_median = median(hung_times);
  std::cout << "failover: median of " << reps << ": killed " << seconds_text(killed_median) << " s, hung "
            << seconds_text(hung_median) << " s, back " << seconds_text(median(back_times)) << " s"
            << std::endl;
  INFO("sgdns log:\n" << server.log());
  // The product's promise at the default settings.
  CHECK(killed_median < 1.0);
  CHECK(hung_median < 2.0);
  for (double t : killed_times) CHECK(t < 3.0);
  for (double t : hung_times) CHECK(t < 3.0);
  // rise 2 at interval 1 s: up to one cycle until the first success plus one more, ~2.2 s at worst.
  for (double t : back_times) CHECK(t < 4.0);
}

TEST_CASE("when every member is down the record fails open and answers all of them",
          "[integration][health]") {
  Backends backends;
  const Addresses all = backends.all();
  HealthServer server(setup_for(backends));
  REQUIRE(server.wait_ready());
  require_all_answered(server, all, Millis(5000));

  backends.at(0).kill();
  backends.at(1).kill();
  std::optional<Addresses> last;
  auto one_left = poll_dns(
      server, Clock::now(), Millis(6000),
      [&](const Addresses& a) { return a == Addresses{backends.at(2).address()}; }, &last);
  {
    INFO("with two of three down, last answer " << describe(last) << "\nsgdns log:\n" << server.log());
    REQUIRE(one_left.has_value());
  }

  backends.at(2).kill();
  // Wait until the prober has every member down, watching that the answer is never empty meanwhile.
  auto t0 = Clock::now();
  bool all_down = false, ever_empty = false;
  while (!all_down && Clock::now() < t0 + Millis(6000)) {
    auto answer = server.addresses();
    if (answer && answer->empty()) ever_empty = true;
    auto status = server.status();
    if (status) {
      int down = 0;
      for (const auto& e : (*status)["endpoints"]) down += e.value("state", "") == "down";
      all_down = down == 3;
    }
    if (!all_down) std::this_thread::sleep_for(Millis(50));
  }
  INFO("sgdns log:\n" << server.log());
  REQUIRE(all_down);
  CHECK_FALSE(ever_empty);
  auto answer = server.addresses();
  INFO("answer with every member down: " << describe(answer));
  CHECK(answer == std::optional<Addresses>(all));
  // Status reports the truth even though DNS fails open.
  for (const auto& a : all) CHECK(server.endpoint(a).value("state", "") == "down");
}

TEST_CASE("start_up down keeps members out of the answer until rise successes", "[integration][health]") {
  Backends backends;
  const Addresses all = backends.all();
  HealthSetup setup = setup_for(backends);
  setup.start_up = "down";
  setup.policy = "failover";  // edge first; the unchecked pool "backup" answers while edge is down
  setup.backup_members = {"127.0.0.9"};
  auto started = Clock::now();
  HealthServer server(setup);
  {
    bool ready = server.wait_ready();
    INFO("sgdns log:\n" << server.log());
    REQUIRE(ready);
  }
  {
    auto first = server.addresses();
    INFO("first answer " << describe(first) << " after " << seconds_since(started) << " s");
    CHECK(first == std::optional<Addresses>(Addresses{"127.0.0.9"}));
    for (const auto& a : all) CHECK(server.endpoint(a).value("state", "") == "down");
  }
  std::optional<Addresses> last;
  auto up = poll_dns(
      server, started, Millis(6000), [&](const Addresses& a) { return a == all; }, &last);
  INFO("last answer " << describe(last) << "\nsgdns log:\n" << server.log());
  REQUIRE(up.has_value());
  std::cout << "failover: start_up down members answered after " << seconds_text(*up) << " s" << std::endl;
  // rise 2 at interval 1 s: the second success comes at least one interval after the first.
  CHECK(*up > 0.9);
  CHECK(*up < 4.0);
}
