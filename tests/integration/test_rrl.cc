// SPDX-License-Identifier: MIT
// Response rate limiting and DNS Cookies through the real binary with the shipped defaults (RRL on, 200
// responses a second per /24 and name, slip 2): a flood is held to the rate, its slips arrive as TC, another
// network is unaffected; kdig +cookie gets a server cookie, and with it is answered while its network is
// limited; TCP is never limited.
#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "http_client.h"
#include "test_helpers.h"
#include "udp_flood.h"

using namespace sgdns::test;

namespace {

constexpr double kDefaultRate = 200;  // rrl.rate's default (docs/configuration.md)

// A served zone with the admin port on, so the metrics can be read.
struct LimitedZone {
  LimitedZone()
      : admin_port(free_port()),
        zone("it.test.", integration_zone(), {"--admin", "127.0.0.1:" + std::to_string(admin_port)}) {}
  std::string metrics() const {
    HttpRequest get;
    get.target = "/metrics";
    return http_request("127.0.0.1", admin_port, get).body;
  }
  /// The value of one sample line of /metrics, e.g. `sgdns_rrl_slipped_total{kind="answer"}`; -1 if absent.
  double metric(const std::string& sample) const {
    std::string text = metrics();
    auto at = text.find("\n" + sample + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + sample.size() + 2));
  }
  uint16_t admin_port;
  ServedZone zone;
};

Bytes www_query(bool edns = true) {
  return build_query(make_query("www.it.test", kTypeA, edns));
}

std::string kdig(const ServedZone& zone, const std::string& args) {
  CommandResult r = run_command(
      "kdig @127.0.0.1 -p " + std::to_string(zone.server->port()) + " +timeout=2 +retry=0 " + args,
      Millis(10000));
  REQUIRE_FALSE(r.timed_out);
  return r.output;
}

}  // namespace

TEST_CASE(
    "a loopback address flooding at 20x the default rate gets the rate, slips as TC; another is unaffected",
    "[integration][rrl]") {
  LimitedZone bed;
  const double seconds = 4;
  FloodResult flood, other;
  std::thread second([&] {
    // Another /24 asking for the same name, well under the rate.
    other = udp_flood(Endpoint("127.0.0.1", bed.zone.server->port(), "127.0.1.1"), www_query(), 50,
                      Millis(static_cast<long>(seconds * 1000)));
  });
  flood = udp_flood(Endpoint("127.0.0.1", bed.zone.server->port(), "127.0.0.1"), www_query(),
                    20 * kDefaultRate, Millis(static_cast<long>(seconds * 1000)));
  second.join();

  const std::size_t full = flood.full(), tc = flood.truncated();
  const std::size_t steady = flood.full_between(1.0, seconds);
  INFO("flood: sent " << flood.sent << ", replies " << flood.replies.size() << ", full " << full << ", TC "
                      << tc << ", full in [1 s, 4 s) " << steady << "; other network: sent " << other.sent
                      << ", full " << other.full() << "\nsgdns log:\n"
                      << bed.zone.server->stderr_text());
  REQUIRE(flood.sent > 0.9 * 20 * kDefaultRate * seconds);
  // At most the burst (one second's worth) plus the rate for every second; after the first second, the rate.
  CHECK(full <= kDefaultRate * (seconds + 1) + 5);
  CHECK(steady <= kDefaultRate * (seconds - 1) * 1.05 + 5);
  CHECK(full >= kDefaultRate * seconds * 0.9);  // and the rate is actually given
  // Slip 2: half of the limited responses go out truncated, each with no answer in it.
  const std::size_t limited = flood.sent - full;
  CHECK(tc >= limited * 0.45);
  CHECK(tc <= limited * 0.55 + 1);
  for (const auto& r : flood.replies) {
    if (r.tc) REQUIRE(r.ancount == 0);
  }
  // Another network asking for the same name gets every answer in full.
  CHECK(other.sent > 0);
  CHECK(other.full() == other.sent);

  CHECK(bed.metric("sgdns_rrl_slipped_total{kind=\"answer\"}") == Approx(tc).margin(2));
  CHECK(bed.metric("sgdns_rrl_dropped_total{kind=\"answer\"}") >= limited * 0.45);
  CHECK(bed.metric("sgdns_rrl_limited_total{kind=\"nxdomain\"}") == 0);
  CHECK(bed.zone.server->stderr_text().find(
            "rrl: limiting answer responses for www.it.test. to 127.0.0.0/24") != std::string::npos);
}

TEST_CASE("kdig +cookie gets a server cookie back, and with it is answered while its network is limited",
          "[integration][rrl][cookie]") {
  LimitedZone bed;
  std::string first = kdig(bed.zone, "+cookie www.it.test A");
  std::smatch m;
  REQUIRE(std::regex_search(first, m, std::regex(";; COOKIE: ([0-9A-F]{48})")));
  const std::string cookie = m[1];
  INFO("kdig +cookie:\n" << first);
  CHECK(first.find("status: NOERROR") != std::string::npos);

  // Exhaust 127.0.0.0/24's bucket for www.it.test A and keep it empty while kdig asks.
  FloodResult flood;
  std::atomic<bool> flooding{true};
  std::thread flooder([&] {
    flood = udp_flood(Endpoint("127.0.0.1", bed.zone.server->port(), "127.0.0.1"), www_query(false),
                      20 * kDefaultRate, Millis(4000));
    flooding = false;
  });
  // Ask once the network is being limited (RRL counts its first limited response), not after a guess.
  const auto limiting_by = std::chrono::steady_clock::now() + Millis(3000);
  while (flooding && bed.metric("sgdns_rrl_limited_total{kind=\"answer\"}") <= 0 &&
         std::chrono::steady_clock::now() < limiting_by)
    std::this_thread::sleep_for(Millis(20));
  REQUIRE(bed.metric("sgdns_rrl_limited_total{kind=\"answer\"}") > 0);
  int answered = 0, asked = 0;
  for (; asked < 10 && flooding; ++asked) {
    std::string out = kdig(bed.zone, "+cookie=" + cookie + " www.it.test A");
    INFO(out);
    const bool full = out.find("status: NOERROR") != std::string::npos &&
                      out.find(" tc") == std::string::npos && out.find("192.0.2.80") != std::string::npos;
    answered += full;
  }
  flooder.join();
  INFO("flood: sent " << flood.sent << ", full " << flood.full());
  REQUIRE(asked >= 5);
  CHECK(answered == asked);
  CHECK(flood.full() < flood.sent / 4);  // the network was being limited meanwhile
  CHECK(bed.metric("sgdns_cookies_total{result=\"valid\"}") >= asked);
  CHECK(bed.metric("sgdns_cookies_total{result=\"new\"}") >= 1);
}

TEST_CASE("a limited client that sends a client cookie slips as BADCOOKIE with a server cookie",
          "[integration][rrl][cookie]") {
  LimitedZone bed;
  QueryOptions q = make_query("www.it.test", kTypeA, true);
  q.options.push_back({10, {1, 2, 3, 4, 5, 6, 7, 8}});
  FloodResult flood = udp_flood(Endpoint("127.0.0.1", bed.zone.server->port(), "127.0.0.1"), build_query(q),
                                10 * kDefaultRate, Millis(2000));
  std::size_t badcookie = 0, tc = 0;
  for (const auto& r : flood.replies) {
    badcookie += r.extended_rcode == 23;
    tc += r.tc;
  }
  INFO("sent " << flood.sent << ", full " << flood.full() << ", BADCOOKIE " << badcookie << ", TC " << tc);
  CHECK(badcookie > 0.3 * (flood.sent - flood.full()));
  CHECK(tc == 0);
}

TEST_CASE("TCP is never rate limited", "[integration][rrl]") {
  LimitedZone bed;
  TcpConnection conn(bed.zone.endpoint());
  REQUIRE(conn.connected());
  Bytes batch;
  const int n = 1000;  // five times the rate, in well under a second
  for (int i = 0; i < n; ++i) {
    QueryOptions q = make_query("www.it.test", kTypeA);
    q.id = static_cast<uint16_t>(i);
    Bytes framed = tcp_frame(build_query(q));
    batch.insert(batch.end(), framed.begin(), framed.end());
  }
  REQUIRE(conn.send_raw(batch));
  int full = 0;
  for (int i = 0; i < n; ++i) {
    auto wire = conn.read_message(Millis(3000));
    REQUIRE(wire);
    auto r = decode(*wire);
    REQUIRE(r);
    full += r->rcode == kRcodeNoError && !r->tc && !r->answer.empty();
  }
  CHECK(full == n);
  CHECK(bed.metric("sgdns_rrl_limited_total{kind=\"answer\"}") == 0);
}

TEST_CASE("--no-rrl turns rate limiting off", "[integration][rrl]") {
  ServedZone zone("it.test.", integration_zone(), {"--no-rrl"});
  FloodResult flood = udp_flood(Endpoint("127.0.0.1", zone.server->port(), "127.0.0.1"), www_query(),
                                5 * kDefaultRate, Millis(1500));
  INFO("sent " << flood.sent << ", full " << flood.full());
  CHECK(flood.full() >= flood.sent * 0.99);
}
