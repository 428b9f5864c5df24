// SPDX-License-Identifier: MIT
// TCP limits through the real binary: the query deadline (bytes dripped slowly do not keep a connection
// alive), the per-source cap, eviction of the longest idle connection at the global cap, back-pressure
// that loses nothing, the reply deadline for a client that never reads, and the close causes in /metrics.
#include <catch2/catch.hpp>
#include <thread>

#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

// sgdns from a configuration file with `tcp_json` as its "tcp" object, and the admin port for /metrics.
struct TcpBed {
  explicit TcpBed(const std::string& tcp_json = "{}") : admin_port(free_port()) {
    std::string zone = dir.write("it.test.zone", integration_zone());
    std::string config = dir.write("sgdns.json", R"({"zones": [{"origin": "it.test.", "file": ")" + zone +
                                                     R"("}], "tcp": )" + tcp_json + "}");
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--config", config, "--admin", "127.0.0.1:" + std::to_string(admin_port)});
    bool ready = server->wait_ready("it.test.");
    INFO(server->stderr_text());
    REQUIRE(ready);
  }
  Endpoint from(const std::string& source) const { return Endpoint("127.0.0.1", server->port(), source); }
  double metric(const std::string& sample) const {
    HttpRequest get;
    get.target = "/metrics";
    std::string text = http_request("127.0.0.1", admin_port, get).body;
    auto at = text.find("\n" + sample + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + sample.size() + 2));
  }
  double closed(const std::string& cause) const {
    return metric("sgdns_tcp_connections_closed_total{cause=\"" + cause + "\"}");
  }
  /// Polls /metrics until `closed(cause)` reaches `count` (bounded).
  bool wait_closed_by(const std::string& cause, double count, Millis limit = Millis(10000)) const {
    for (auto deadline = Clock::now() + limit; Clock::now() < deadline;
         std::this_thread::sleep_for(Millis(50)))
      if (closed(cause) >= count) return true;
    return false;
  }

  TempDir dir;
  uint16_t admin_port;
  std::unique_ptr<ServerProcess> server;
};

bool answers(TcpConnection& c, uint16_t id = 7) {
  QueryOptions q = make_query("www.it.test", kTypeA);
  q.id = id;
  if (!c.send_message(build_query(q))) return false;
  auto wire = c.read_message(Millis(2000));
  auto r = wire ? decode(*wire) : std::nullopt;
  return r && r->id == id && r->rcode == kRcodeNoError && !r->answer.empty();
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("a query dripped a byte at a time is cut off by the query deadline, not kept alive",
          "[integration][tcp]") {
  TcpBed bed;
  TcpConnection conn(bed.from(""));
  REQUIRE(conn.connected());
  Bytes framed = tcp_frame(build_query(make_query("www.it.test", kTypeA)));
  auto start = Clock::now();
  bool closed = false;
  // One byte every 300 ms: every byte used to re-arm the 10 s idle timer, so this went on for ever.
  for (std::size_t i = 0; i + 1 < framed.size() && !closed; ++i) {
    if (!conn.send_raw(Bytes{framed[i]})) break;
    closed = conn.wait_closed(Millis(300));
  }
  const double took = seconds_since(start);
  INFO("closed after " << took << " s");
  CHECK(closed);
  CHECK(took >= 0.8);
  CHECK(took < 2.5);
  CHECK(bed.closed("query_timeout") == 1);
}

TEST_CASE("a query in slow but timely pieces is answered", "[integration][tcp]") {
  TcpBed bed;
  TcpConnection conn(bed.from(""));
  REQUIRE(conn.connected());
  QueryOptions q = make_query("www.it.test", kTypeA);
  q.id = 99;
  Bytes framed = tcp_frame(build_query(q));
  std::size_t third = framed.size() / 3;
  REQUIRE(conn.send_raw(Bytes(framed.begin(), framed.begin() + static_cast<long>(third))));
  // The client's pace, not a wait for the server: 600 ms in all, within the 1 s query deadline.
  std::this_thread::sleep_for(Millis(300));
  REQUIRE(conn.send_raw(
      Bytes(framed.begin() + static_cast<long>(third), framed.begin() + static_cast<long>(2 * third))));
  std::this_thread::sleep_for(Millis(300));
  REQUIRE(conn.send_raw(Bytes(framed.begin() + static_cast<long>(2 * third), framed.end())));
  auto wire = conn.read_message(Millis(2000));
  REQUIRE(wire);
  CHECK(decode(*wire)->id == 99);
  // A connection that answered a query is idle, not late: the next query deadline starts at its first byte.
  CHECK_FALSE(conn.wait_closed(Millis(1500)));
  CHECK(answers(conn, 100));
}

TEST_CASE("one address may hold tcp.max_per_source connections; others still get in", "[integration][tcp]") {
  TcpBed bed(R"({"max_per_source": 4})");
  std::vector<std::unique_ptr<TcpConnection>> mine;
  for (int i = 0; i < 4; ++i) {
    mine.push_back(std::make_unique<TcpConnection>(bed.from("127.0.0.2")));
    REQUIRE(answers(*mine.back()));
  }
  TcpConnection fifth(bed.from("127.0.0.2"));
  CHECK(fifth.wait_closed(Millis(2000)));
  TcpConnection other(bed.from("127.0.0.3"));
  CHECK(answers(other));
  for (auto& c : mine) CHECK(answers(*c));  // the first four were not disturbed
  CHECK(bed.closed("source_limit") == 1);
}

TEST_CASE("at tcp.max_connections a newcomer evicts the connection idle longest", "[integration][tcp]") {
  TcpBed bed(R"({"max_connections": 4})");
  TcpConnection oldest(bed.from("127.0.0.2"));
  REQUIRE(answers(oldest));
  std::vector<std::unique_ptr<TcpConnection>> busy;
  for (int i = 0; i < 3; ++i) {
    busy.push_back(std::make_unique<TcpConnection>(bed.from("127.0.0." + std::to_string(3 + i))));
    REQUIRE(answers(*busy.back()));
  }
  // Full. The oldest has been idle longest; a query from the others keeps them recent.
  for (auto& c : busy) REQUIRE(answers(*c));
  TcpConnection newcomer(bed.from("127.0.0.9"));
  CHECK(answers(newcomer));
  CHECK(oldest.wait_closed(Millis(2000)));
  for (auto& c : busy) CHECK(answers(*c));
  CHECK(bed.closed("evicted") == 1);
}

TEST_CASE("10,000 pipelined queries sent before reading any reply are all answered, in order",
          "[integration][tcp]") {
  TcpBed bed;
  TcpConnection conn(bed.from(""));
  REQUIRE(conn.connected());
  const int n = 10'000;
  Bytes batch;
  for (int i = 0; i < n; ++i) {
    QueryOptions q = make_query(i % 2 ? "www.it.test" : "mail.it.test", kTypeA);
    q.id = static_cast<uint16_t>(i);
    Bytes framed = tcp_frame(build_query(q));
    batch.insert(batch.end(), framed.begin(), framed.end());
  }
  REQUIRE(conn.send_raw(batch));
  // Read nothing until the server has written all it will before we read: the replies waiting for us
  // stop growing (it holds back at its backlog bound, or has answered everything).
  REQUIRE(conn.wait_unread_settled(Millis(10000)));
  int in_order = 0;
  for (int i = 0; i < n; ++i) {
    auto wire = conn.read_message(Millis(3000));
    REQUIRE(wire);
    in_order += decode(*wire)->id == static_cast<uint16_t>(i);
  }
  CHECK(in_order == n);
}

TEST_CASE("a client that never reads is closed once its replies stop draining", "[integration][tcp]") {
  TcpBed bed(R"({"reply_timeout": "1s"})");
  TcpConnection conn(bed.from(""));
  REQUIRE(conn.connected());
  Bytes batch;
  for (int i = 0; i < 20'000; ++i) {  // ~3 KB answers: far more than the socket buffers hold
    QueryOptions q = make_query("big.it.test", kTypeTXT);
    q.id = static_cast<uint16_t>(i);
    Bytes framed = tcp_frame(build_query(q));
    batch.insert(batch.end(), framed.begin(), framed.end());
  }
  (void)conn.send_raw(batch);  // may stop short: the server stops reading once its backlog is full
  auto start = Clock::now();
  CHECK(bed.wait_closed_by("reply_timeout", 1));
  INFO("closed after " << seconds_since(start) << " s");
  CHECK(seconds_since(start) < 8);
  // And the server is still fine.
  TcpConnection fresh(bed.from(""));
  CHECK(answers(fresh));
}

TEST_CASE("a zero-length message closes the connection (bad_frame); EOF after the replies (peer_closed)",
          "[integration][tcp]") {
  TcpBed bed;
  {
    TcpConnection conn(bed.from(""));
    REQUIRE(conn.send_raw(Bytes{0, 0}));
    CHECK(conn.wait_closed(Millis(2000)));
  }
  {
    TcpConnection conn(bed.from(""));
    REQUIRE(answers(conn));
  }
  CHECK(bed.wait_closed_by("peer_closed", 1));
  CHECK(bed.closed("bad_frame") == 1);
  CHECK(bed.metric("sgdns_tcp_connections_accepted_total") >= 2);
  CHECK(bed.metric("sgdns_tcp_connections") == 0);
}
