// SPDX-License-Identifier: MIT
// The prober against real local servers: TCP and HTTP checks, rise/fall, timeouts, reloads, abandoned
// probes and many endpoints on one thread.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "health_recorder.h"
#include "health_test_server.h"
#include "sgdns/health/prober.h"

using namespace sgdns::health;
using namespace sgdns::health_test;
using namespace std::chrono_literals;
using Mode = TestHttpServer::Mode;

namespace {

/// The status row of endpoint `id`, polling until the prober has published it (bounded).
bool find_status(const Prober& p, std::uint32_t id, EndpointStatus& out) {
  for (int i = 0; i < 200; ++i) {
    for (const EndpointStatus& s : p.status()) {
      if (s.id == id) {
        out = s;
        return true;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE("Prober: TCP check is up, goes down when refused, comes back", "[health]") {
  TestHttpServer server;
  Recorder rec;
  Prober prober(rec.listener());
  prober.set_endpoints({fast_endpoint(1, "127.0.0.1", server.port(), CheckType::Tcp)});
  prober.start();

  REQUIRE(rec.wait_results(1, 2));
  for (const Event& e : rec.events(1)) {
    CHECK(e.result.ok);
    CHECK(e.up);
    CHECK_FALSE(e.change);
    CHECK(e.result.http_status == 0);
  }

  REQUIRE(server.set_mode(Mode::Closed));
  std::size_t before = rec.count(1);
  REQUIRE(rec.wait_flip(1, false, before));
  Event last = rec.events(1).back();
  CHECK(last.result.failure == Failure::Refused);
  CHECK(last.result.detail.find("refused") != std::string::npos);

  REQUIRE(server.set_mode(Mode::Ok));
  REQUIRE(rec.wait_flip(1, true, rec.count(1)));
}

TEST_CASE("Prober: a TCP connect that never completes is a timeout", "[health][timing]") {
  BlackholeListener hole;
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint e = fast_endpoint(1, "127.0.0.1", hole.port(), CheckType::Tcp);
  e.check.timeout_ms = 200;
  e.check.fall = 1;
  prober.set_endpoints({e});
  prober.start();
  REQUIRE(rec.wait_flip(1, false));
  Event ev = rec.events(1).front();
  CHECK(ev.result.failure == Failure::Timeout);
  CHECK(ev.result.seconds >= 0.15);
  CHECK(ev.result.seconds < 1.0);
}

TEST_CASE("Prober: HTTP 200 keeps an endpoint up and fills its status", "[health]") {
  TestHttpServer server;
  Recorder rec;
  Prober prober(rec.listener());
  prober.set_endpoints({fast_endpoint(1, "127.0.0.1", server.port())});
  prober.start();
  REQUIRE(rec.wait_results(1, 3));
  for (const Event& e : rec.events(1)) {
    CHECK(e.result.ok);
    CHECK(e.result.failure == Failure::None);
    CHECK(e.result.http_status == 200);
    CHECK(e.up);
    CHECK_FALSE(e.change);
  }
  EndpointStatus s;
  REQUIRE(find_status(prober, 1, s));
  CHECK(s.up);
  CHECK(s.name == "test/1");
  CHECK(s.address == "127.0.0.1");
  CHECK(s.probes >= 3);
  CHECK(s.failures == 0);
  CHECK(s.last_check > 0);
  CHECK(s.last_result.http_status == 200);
  CHECK(server.requests() >= 3);
}

TEST_CASE("Prober: HTTP 503 goes down after exactly `fall` failures, then up after `rise`", "[health]") {
  TestHttpServer server;
  REQUIRE(server.set_mode(Mode::Unavailable));
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint e = fast_endpoint(1, "127.0.0.1", server.port());
  e.check.fall = 3;
  e.check.rise = 3;
  prober.set_endpoints({e});
  prober.start();

  REQUIRE(rec.wait_flip(1, false));
  auto events = rec.events(1);
  REQUIRE(events.size() >= 3);
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(events[i].result.ok);
    CHECK(events[i].result.failure == Failure::Status);
    CHECK(events[i].result.detail == "status 503");
    CHECK(events[i].result.http_status == 503);
    CHECK(events[i].change == (i == 2));
    CHECK(events[i].up == (i < 2));
  }

  REQUIRE(server.set_mode(Mode::Ok));
  REQUIRE(rec.wait_flip(1, true, 3));
  events = rec.events(1);
  // The flip is the third success in a row, preceded by a failure.
  std::size_t flip = events.size() - 1;
  while (!events[flip].change) --flip;
  REQUIRE(flip >= 3);
  CHECK(events[flip].result.ok);
  CHECK(events[flip - 1].result.ok);
  CHECK(events[flip - 2].result.ok);
  CHECK_FALSE(events[flip - 1].up);
  CHECK_FALSE(events[flip - 3].result.ok);
}

TEST_CASE("Prober: body_contains decides the result", "[health]") {
  TestHttpServer server;
  server.set_body("all healthy here");
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint good = fast_endpoint(1, "127.0.0.1", server.port());
  good.check.body_contains = "healthy";
  Endpoint bad = fast_endpoint(2, "127.0.0.1", server.port());
  bad.check.body_contains = "maintenance-off";
  prober.set_endpoints({good, bad});
  prober.start();

  REQUIRE(rec.wait_flip(2, false));
  Event last = rec.events(2).back();
  CHECK(last.result.failure == Failure::Body);
  CHECK(last.result.http_status == 200);
  CHECK(last.result.detail.find("maintenance-off") != std::string::npos);
  for (const Event& e : rec.events(1)) CHECK(e.result.ok);
}

TEST_CASE("Prober: a hung HTTP backend times out", "[health][timing]") {
  TestHttpServer server;
  REQUIRE(server.set_mode(Mode::Hang));
  Recorder rec;
  Prober prober(rec.listener());
  prober.set_endpoints({fast_endpoint(1, "127.0.0.1", server.port())});
  prober.start();
  REQUIRE(rec.wait_flip(1, false));
  for (const Event& e : rec.events(1)) {
    CHECK(e.result.failure == Failure::Timeout);
    CHECK(e.result.seconds >= 0.25);
    CHECK(e.result.seconds < 1.5);
  }
  REQUIRE(server.set_mode(Mode::Ok));
  REQUIRE(rec.wait_flip(1, true, rec.count(1)));
}

TEST_CASE("Prober: start_up=false starts down and needs `rise` successes", "[health]") {
  TestHttpServer server;
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint e = fast_endpoint(1, "127.0.0.1", server.port());
  e.check.start_up = false;
  e.check.rise = 3;
  prober.set_endpoints({e});
  prober.start();

  EndpointStatus s;
  REQUIRE(find_status(prober, 1, s));
  CHECK((s.probes > 0 || !s.up));  // before its first result it shows down

  REQUIRE(rec.wait_flip(1, true));
  auto events = rec.events(1);
  REQUIRE(events.size() >= 3);
  CHECK(events[0].result.ok);
  CHECK_FALSE(events[0].up);
  CHECK_FALSE(events[1].up);
  CHECK_FALSE(events[1].change);
  CHECK(events[2].change);
  CHECK(events[2].up);
}

TEST_CASE("Prober: IPv6 loopback for TCP and HTTP", "[health]") {
  if (!ipv6_loopback_available()) {
    WARN("::1 is not available here; IPv6 probing not covered");
    return;
  }
  TestHttpServer server("::1");
  Recorder rec;
  Prober prober(rec.listener());
  prober.set_endpoints({fast_endpoint(1, "::1", server.port(), CheckType::Tcp),
                        fast_endpoint(2, "::1", server.port(), CheckType::Http)});
  prober.start();
  REQUIRE(rec.wait_results(1, 2));
  REQUIRE(rec.wait_results(2, 2));
  for (std::uint32_t id : {1u, 2u}) {
    for (const Event& e : rec.events(id)) {
      INFO(e.result.detail);
      CHECK(e.result.ok);
    }
  }
  CHECK(rec.events(2).front().result.http_status == 200);
}

TEST_CASE("Prober: Host header and path reach the server; bad addresses fail", "[health]") {
  TestHttpServer server;
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint e = fast_endpoint(1, "127.0.0.1", server.port());
  e.check.host = "www.example.test";
  e.check.path = "status/health";  // no leading slash: still a valid request
  Endpoint bad = fast_endpoint(2, "not-an-address", 80);
  bad.check.fall = 1;
  prober.set_endpoints({e, bad});
  prober.start();
  REQUIRE(rec.wait_results(1, 2));
  for (const Event& ev : rec.events(1)) CHECK(ev.result.ok);
  REQUIRE(rec.wait_flip(2, false));
  CHECK(rec.events(2).back().result.failure == Failure::Other);
  CHECK(rec.events(2).back().result.detail.find("bad address") != std::string::npos);
}

TEST_CASE("Prober: set_endpoints carries state over and drops removed endpoints", "[health]") {
  TestHttpServer down_server;
  REQUIRE(down_server.set_mode(Mode::Unavailable));
  TestHttpServer up_server;
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint a = fast_endpoint(1, "127.0.0.1", down_server.port());
  Endpoint gone = fast_endpoint(2, "127.0.0.1", up_server.port(), CheckType::Tcp);
  prober.set_endpoints({a, gone});
  prober.start();
  REQUIRE(rec.wait_flip(1, false));
  REQUIRE(rec.wait_results(2, 1));

  // Reload: `a` is renumbered (same address and check), `gone` disappears, `fresh` is new.
  Endpoint a2 = a;
  a2.id = 7;
  a2.name = "renamed";
  a2.check.interval_ms = 150;  // settings other than the identity may change
  Endpoint fresh = fast_endpoint(8, "127.0.0.1", up_server.port());
  fresh.check.start_up = false;
  prober.set_endpoints({a2, fresh});

  EndpointStatus s7, s8;
  REQUIRE(find_status(prober, 7, s7));
  REQUIRE(find_status(prober, 8, s8));
  CHECK_FALSE(s7.up);     // carried over: still down, no new failures needed
  CHECK(s7.probes >= 2);  // and so are its counters
  CHECK(s7.name == "renamed");
  CHECK(prober.status().size() == 2);

  REQUIRE(rec.wait_results(7, 1));
  for (const Event& e : rec.events(7)) {
    CHECK_FALSE(e.up);
    CHECK_FALSE(e.change);  // a carried-over down endpoint that keeps failing never flips
  }
  REQUIRE(rec.wait_flip(8, true));  // the new one starts down and rises
  std::size_t old_ids = rec.count(1) + rec.count(2);
  // Several more rounds of the schedule (the new endpoint's results are the event waited for), and
  // still nothing reported under the old ids.
  REQUIRE(rec.wait_results(8, rec.count(8) + 5));
  CHECK(rec.count(1) + rec.count(2) == old_ids);
}

TEST_CASE("Prober: removing endpoints with probes in flight abandons them cleanly", "[health]") {
  TestHttpServer server;
  REQUIRE(server.set_mode(Mode::Hang));
  BlackholeListener hole;
  Recorder rec;
  auto prober = std::make_unique<Prober>(rec.listener());
  Endpoint http = fast_endpoint(1, "127.0.0.1", server.port());
  Endpoint tcp = fast_endpoint(2, "127.0.0.1", hole.port(), CheckType::Tcp);
  for (Endpoint* e : {&http, &tcp}) {
    e->check.interval_ms = 20;
    e->check.timeout_ms = 5000;  // never completes during the test
  }
  prober->set_endpoints({http, tcp});
  prober->start();
  // The HTTP probe is in flight once the hung server has its request (the TCP one into the blackhole
  // starts in the same round).
  for (int i = 0; i < 500 && server.requests() == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(server.requests() > 0);
  prober->set_endpoints({});
  for (int i = 0; i < 100 && !prober->status().empty(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(prober->status().empty());

  // And again, this time abandoned by stop() through the destructor.
  prober->stop();
  prober = std::make_unique<Prober>(rec.listener());
  prober->set_endpoints({http, tcp});
  prober->start();
  const std::uint64_t before = server.requests();
  for (int i = 0; i < 500 && server.requests() == before; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(server.requests() > before);  // in flight again
  prober.reset();
  CHECK(rec.count(1) == 0);
  CHECK(rec.count(2) == 0);
}

TEST_CASE("Prober: stop and destruction are safe in every state", "[health]") {
  { Prober never_started(nullptr); }
  {
    Prober p(nullptr);
    p.stop();
    p.start();  // after stop: stays stopped
    p.stop();
  }
  {
    Prober p(nullptr);
    p.start();
    p.start();
    p.stop();
    p.stop();
    p.set_endpoints({fast_endpoint(1, "127.0.0.1", 9)});  // ignored after stop
    CHECK(p.status().empty());
  }
}

TEST_CASE("Prober: 500 endpoints share one thread", "[health]") {
  TestHttpServer server;
  int threads_before = thread_count();
  Recorder rec;
  Prober prober(rec.listener());
  std::vector<Endpoint> endpoints;
  for (std::uint32_t i = 0; i < 500; ++i) {
    Endpoint e = fast_endpoint(i, "127.0.0.1", server.port(), i % 2 == 0 ? CheckType::Http : CheckType::Tcp);
    e.check.interval_ms = 200;
    e.check.timeout_ms = 1000;
    endpoints.push_back(e);
  }
  prober.set_endpoints(endpoints);
  prober.start();
  std::this_thread::sleep_for(1000ms);
  int threads_during = thread_count();
  std::this_thread::sleep_for(600ms);

  auto status = prober.status();
  REQUIRE(status.size() == 500);
  std::uint64_t probes = 0, failures = 0, min_probes = ~0ull;
  int down = 0;
  for (const EndpointStatus& s : status) {
    probes += s.probes;
    failures += s.failures;
    min_probes = std::min<std::uint64_t>(min_probes, s.probes);
    if (!s.up) ++down;
  }
  std::printf(
      "[health] 500 endpoints: %llu probes in 1.6 s, %llu failures, min %llu per endpoint, "
      "threads %d -> %d\n",
      static_cast<unsigned long long>(probes), static_cast<unsigned long long>(failures),
      static_cast<unsigned long long>(min_probes), threads_before, threads_during);
  CHECK(threads_during <= threads_before + 2);  // the prober thread (+1 slack), never one per check
  CHECK(down == 0);
  CHECK(min_probes >= 3);
  CHECK(failures * 100 <= probes);
}
