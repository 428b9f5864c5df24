// SPDX-License-Identifier: MIT
// Weighted draws over the real binary: the split between pools (weighted policy) and between members (more
// live members than max_answers) matches the configured weights over UDP with one and two worker threads
// and over TCP, by a chi-square test at a fixed significance.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "geo_setup.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

// Chi-square critical values for p = 1e-6: a correct server fails this test about once in a million runs.
// df = 1: erfc(sqrt(x / 2)) = 1e-6; df = 2: exp(-x / 2) = 1e-6.
constexpr double kCritical1 = 23.928;
constexpr double kCritical2 = 27.631;
// Queries per split. A server that answers one category only (a generator stuck at 0) scores about 1.5 x
// this for media (3600 here), and one of two workers stuck scores ~0.37 x (900): both far over the limits,
// while the limits stay far from what a correct server reaches by chance.
constexpr int kQueries = 2400;

struct Expected {
  std::string label;
  double share;
};

// What one reply counts as: the CNAME target or the single A address (anything else is "other").
std::string category(const Reply& r) {
  auto cnames = answer_rdata(r, kTypeCNAME);
  auto addresses = answer_rdata(r, kTypeA);
  if (cnames.size() == 1 && addresses.empty()) return "cname " + *cnames.begin();
  if (cnames.empty() && addresses.size() == 1) return *addresses.begin();
  return "other: " + r.text;
}

QueryOptions split_query(const std::string& name, const std::string& ecs, uint16_t id) {
  QueryOptions q = make_query(name, kTypeA, true);
  q.id = id;
  if (!ecs.empty()) q.options.push_back(ecs_option(ecs));
  return q;
}

std::map<std::string, int> count_udp(const Endpoint& to, const std::string& name, const std::string& ecs) {
  std::map<std::string, int> seen;
  for (int i = 0; i < kQueries; ++i) {
    // A fresh socket (and so a fresh source port) per query: SO_REUSEPORT spreads them over the workers.
    auto wire =
        exchange(to, build_query(split_query(name, ecs, static_cast<uint16_t>(i + 1))), Transport::Udp);
    REQUIRE(wire.has_value());
    auto r = decode(*wire);
    REQUIRE(r.has_value());
    ++seen[category(*r)];
  }
  return seen;
}

std::map<std::string, int> count_tcp(const Endpoint& to, const std::string& name, const std::string& ecs) {
  constexpr int kWindow = 100;
  std::map<std::string, int> seen;
  TcpConnection conn(to, Millis(2000));
  REQUIRE(conn.connected());
  for (int base = 0; base < kQueries; base += kWindow) {
    Bytes batch;  // pipelined (RFC 7766 6.2.1.1)
    for (int i = base; i < base + kWindow; ++i) {
      Bytes frame = tcp_frame(build_query(split_query(name, ecs, static_cast<uint16_t>(i + 1))));
      batch.insert(batch.end(), frame.begin(), frame.end());
    }
    REQUIRE(conn.send_raw(batch));
    for (int i = 0; i < kWindow; ++i) {
      auto wire = conn.read_message(Millis(3000));
      REQUIRE(wire.has_value());
      auto r = decode(*wire);
      REQUIRE(r.has_value());
      ++seen[category(*r)];
    }
  }
  return seen;
}

std::string show(const std::map<std::string, int>& seen) {
  std::string out;
  for (const auto& [label, n] : seen) out += "  " + label + ": " + std::to_string(n) + "\n";
  return out;
}

// Pearson's chi-square of the observed counts against the expected shares; an answer outside the expected
// categories fails the test outright.
void check_split(const std::map<std::string, int>& seen, const std::vector<Expected>& expected) {
  double chi2 = 0;
  int total = 0;
  for (const auto& [label, n] : seen) total += n;
  for (const Expected& e : expected) {
    auto it = seen.find(e.label);
    double observed = it == seen.end() ? 0 : it->second;
    double want = e.share * total;
    chi2 += (observed - want) * (observed - want) / want;
  }
  double critical = expected.size() == 2 ? kCritical1 : kCritical2;
  INFO("counts over " << total << " answers:\n"
                      << show(seen) << "chi-square " << chi2 << ", limit " << critical);
  CHECK(seen.size() == expected.size());  // no category outside the expected ones
  CHECK(chi2 < critical);
}

// media.geo.test. is weighted: edge-us 80 (two equal A members, max_answers 1), cdn 20.
const std::vector<Expected> kMedia{
    {"198.51.100.201", 0.4}, {"198.51.100.202", 0.4}, {std::string("cname ") + kCdnTarget, 0.2}};
// ingest.geo.test. for a Sydney client is edge-ap: 203.0.113.201 weight 2, 203.0.113.202 weight 1.
const std::vector<Expected> kIngestAp{{"203.0.113.201", 2.0 / 3}, {"203.0.113.202", 1.0 / 3}};
const std::string kSydney = "203.0.113.128/26";

struct SplitServer {
  explicit SplitServer(int threads) {
    dir.write("geo.test.zone", geo_zone());
    // Thousands of queries for one name from one address: response rate limiting (on by default) would
    // drop or truncate most of them, and this test is about the draws, not the limiter.
    nlohmann::json c = nlohmann::json::parse(geo_config(default_geo_setup()));
    c["rrl"] = false;
    std::string config = dir.write("sgdns.json", c.dump(2));
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--config", config, "--threads", std::to_string(threads)});
    bool ready = server->wait_ready(kGeoZone);
    INFO("sgdns stderr:\n" << server->stderr_text());
    REQUIRE(ready);
  }
  Endpoint endpoint() const { return Endpoint("127.0.0.1", server->port()); }
  TempDir dir;
  std::unique_ptr<ServerProcess> server;
};

}  // namespace

TEST_CASE("weighted pool and member draws follow the weights over UDP with one worker thread",
          "[integration][geo][weights]") {
  SplitServer s(1);
  check_split(count_udp(s.endpoint(), "media.geo.test.", ""), kMedia);
  check_split(count_udp(s.endpoint(), "ingest.geo.test.", kSydney), kIngestAp);
}

TEST_CASE("weighted pool and member draws follow the weights over UDP with two worker threads",
          "[integration][geo][weights]") {
  SplitServer s(2);
  check_split(count_udp(s.endpoint(), "media.geo.test.", ""), kMedia);
  check_split(count_udp(s.endpoint(), "ingest.geo.test.", kSydney), kIngestAp);
}

TEST_CASE("weighted pool and member draws follow the weights over TCP", "[integration][geo][weights]") {
  SplitServer s(1);
  check_split(count_tcp(s.endpoint(), "media.geo.test.", ""), kMedia);
  check_split(count_tcp(s.endpoint(), "ingest.geo.test.", kSydney), kIngestAp);
}

TEST_CASE("sixty kdig queries over UDP with one worker give all three media answers",
          "[integration][geo][weights]") {
  // The operator's first observation: 60 of 60 answers were the same address.
  SplitServer s(1);
  std::map<std::string, int> seen;
  for (int i = 0; i < 60; ++i) {
    CommandResult r = run_command("kdig @127.0.0.1 -p " + std::to_string(s.server->port()) +
                                      " +notcp +time=2 +retry=1 +short media.geo.test. A",
                                  Millis(10000));
    REQUIRE(r.exit_code == 0);
    std::string answer = r.output.substr(0, r.output.find('\n'));
    ++seen[answer == kCdnTarget ? "cname " + answer : answer];
  }
  INFO(show(seen));
  // Each of the three has at least a 20 % chance per query: missing one in 60 happens with p < 2e-6.
  CHECK(seen.size() == 3);
  check_split(seen, kMedia);
}
