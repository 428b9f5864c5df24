// SPDX-License-Identifier: MIT
// sgdns following a hidden sgdns primary: the edge fetches the zone at start, follows an edit within
// seconds (NOTIFY, IXFR), and its own geo records apply to the fetched zone as to a file zone.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "geo_setup.h"
#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

std::string ask(uint16_t port, const std::string& args) {
  return run_command(
             "kdig @127.0.0.1 -p " + std::to_string(port) + " " + args + " +short +timeout=1 +retry=0",
             Millis(3000))
      .output;
}

}  // namespace

TEST_CASE("an sgdns edge follows a hidden sgdns primary and applies its own geo records",
          "[integration][replication]") {
  TempDir primary_dir, edge_dir;
  const uint16_t primary_port = free_port();
  const uint16_t edge_port = free_port();
  const uint16_t downstream_port = free_port();  // a second-tier edge, fed by the first one
  const uint16_t primary_admin = free_port();
  const uint16_t edge_admin = free_port();
  const std::string zone = primary_dir.write("geo.test.zone", geo_zone(1));
  const std::string primary_config = primary_dir.write(
      "sgdns.json",
      "{\"listen\": [\"127.0.0.1:" + std::to_string(primary_port) +
          "\"], \"admin\": {\"listen\": \"127.0.0.1:" + std::to_string(primary_admin) +
          "\"}, \"journal\": {\"dir\": \".\"}, \"zones\": [{\"origin\": \"geo.test.\", \"file\": "
          "\"geo.test.zone\", \"notify\": [{\"address\": \"127.0.0.1:" +
          std::to_string(edge_port) + "\"}]}]}");
  ServerProcess primary({"--config", primary_config}, false);
  REQUIRE(wait_until_answers(primary.process(), "127.0.0.1", primary_port, "geo.test."));

  GeoSetup setup = default_geo_setup();
  setup.extra_json = "{\"listen\": [\"127.0.0.1:" + std::to_string(edge_port) +
                     "\"], \"admin\": {\"listen\": \"127.0.0.1:" + std::to_string(edge_admin) +
                     "\"}, \"zones\": [{\"origin\": \"geo.test.\", \"file\": \"geo.test.copy\", \"primary\": "
                     "{\"address\": \"127.0.0.1:" +
                     std::to_string(primary_port) +
                     "\"}, \"notify\": [{\"address\": \"127.0.0.1:" + std::to_string(downstream_port) +
                     "\"}]}]}";
  const std::string edge_config = edge_dir.write("sgdns.json", geo_config(setup));
  ServerProcess edge({"--config", edge_config}, false);
  INFO("edge log:\n" << edge.stderr_text() << "\nprimary log:\n" << primary.stderr_text());
  REQUIRE(
      wait_ms([&] { return ask(edge_port, "static.geo.test. A").find("192.0.2.90") != std::string::npos; },
              Millis(15000)) >= 0);

  // A second-tier edge follows the first: its NOTIFY (sent on each new version), its journal's IXFR.
  TempDir downstream_dir;
  const std::string downstream_config = downstream_dir.write(
      "sgdns.json",
      "{\"listen\": [\"127.0.0.1:" + std::to_string(downstream_port) +
          "\"], \"zones\": [{\"origin\": \"geo.test.\", \"file\": \"geo.test.copy\", \"primary\": "
          "{\"address\": \"127.0.0.1:" +
          std::to_string(edge_port) + "\"}}]}");
  ServerProcess downstream({"--config", downstream_config}, false);
  REQUIRE(
      wait_ms(
          [&] { return ask(downstream_port, "static.geo.test. A").find("192.0.2.90") != std::string::npos; },
          Millis(15000)) >= 0);

  // The primary has no geo configuration: it answers www from the zone. The edge answers it from its
  // own geo record: a European client subnet gets the European pool.
  const std::string europe = "www.geo.test. A +subnet=192.0.2.0/24";
  CHECK(ask(primary_port, europe).find("192.0.2.80") != std::string::npos);
  const std::string from_edge = ask(edge_port, europe);
  CHECK((from_edge.find("192.0.2.201") != std::string::npos ||
         from_edge.find("192.0.2.202") != std::string::npos));
  CHECK(from_edge.find("192.0.2.80") == std::string::npos);

  // An edit on the primary and a SIGHUP: NOTIFY, IXFR, served by the edge within 2 s.
  std::string text = geo_zone(2);
  text.replace(text.find("192.0.2.90"), 10, "192.0.2.91");
  write_file(zone, text);
  REQUIRE(primary.signal(SIGHUP));
  const long latency =
      wait_ms([&] { return ask(edge_port, "static.geo.test. A").find("192.0.2.91") != std::string::npos; },
              Millis(10000));
  INFO("SIGHUP on the primary to served by the edge: " << latency << " ms");
  REQUIRE(latency >= 0);
#ifndef SGDNS_UNDER_TSAN  // 5-15x slower under ThreadSanitizer: the 2 s promise is the plain build's
  CHECK(latency < 2000);
#endif
  std::printf("sgdns edge of sgdns: SIGHUP on the primary -> edit served by the edge in %ld ms\n", latency);
  CHECK(edge.stderr_text().find("geo.test.: serial 1 -> serial 2 from 127.0.0.1:" +
                                std::to_string(primary_port) + " by IXFR") != std::string::npos);
  // The first edge's serial change is sent on: the second tier follows by NOTIFY and IXFR from the
  // first edge's own journal.
  const long second_tier = wait_ms(
      [&] { return ask(downstream_port, "static.geo.test. A").find("192.0.2.91") != std::string::npos; },
      Millis(10000));
  INFO("downstream log:\n" << downstream.stderr_text());
  REQUIRE(second_tier >= 0);
  CHECK(downstream.stderr_text().find("NOTIFY received for geo.test.") != std::string::npos);
  CHECK(downstream.stderr_text().find("geo.test.: serial 1 -> serial 2 from 127.0.0.1:" +
                                      std::to_string(edge_port) + " by IXFR") != std::string::npos);
  // The geo record still applies to the new version.
  const std::string after = ask(edge_port, europe);
  CHECK((after.find("192.0.2.201") != std::string::npos || after.find("192.0.2.202") != std::string::npos));

  // /metrics: the edge counts the NOTIFY it received and its two transfers, the primary its NOTIFYs.
  auto scrape = [](uint16_t admin) {
    return http_request("127.0.0.1", admin, HttpRequest{"GET", "/metrics", {}, ""}).body;
  };
  const std::string edge_metrics = scrape(edge_admin);
  INFO(edge_metrics);
  // The primary's NOTIFY at start (retried until the edge listens) and the one of serial 2.
  CHECK(edge_metrics.find("sgdns_notifies_total{result=\"received\"}") != std::string::npos);
  CHECK(edge_metrics.find("sgdns_notifies_total{result=\"received\"} 0") == std::string::npos);
  CHECK(edge_metrics.find("sgdns_zone_transfers_in_total{result=\"ok\",zone=\"geo.test.\"} 2") !=
        std::string::npos);
  // The primary's first NOTIFY (at start) may have reached the edge before it listened: at least the
  // one of serial 2 was acknowledged.
  bool acknowledged = false;
  for (int i = 0; i < 100 && !acknowledged; ++i) {
    acknowledged =
        scrape(primary_admin).find("sgdns_notifies_total{result=\"acknowledged\"} 0") == std::string::npos;
    if (!acknowledged) std::this_thread::sleep_for(Millis(50));
  }
  const std::string primary_metrics = scrape(primary_admin);
  INFO(primary_metrics);
  CHECK(acknowledged);
  CHECK(primary_metrics.find("sgdns_notifies_total{result=\"sent\"}") != std::string::npos);
  // Transfers served are counted by qtype: the edge's first AXFR, then its IXFRs (one per NOTIFY).
  CHECK(primary_metrics.find("sgdns_queries_total{transport=\"tcp\",qtype=\"AXFR\",rcode=\"NOERROR\"} 1") !=
        std::string::npos);
  CHECK(primary_metrics.find("sgdns_queries_total{transport=\"tcp\",qtype=\"IXFR\",rcode=\"NOERROR\"}") !=
        std::string::npos);
  CHECK(primary_metrics.find("sgdns_queries_total{transport=\"tcp\",qtype=\"IXFR\",rcode=\"NOERROR\"} 0") ==
        std::string::npos);
}

TEST_CASE("a server stopping does not wait for a primary that accepted the transfer and went silent",
          "[integration][replication]") {
  // A "primary" that accepts TCP connections (the kernel does, from the backlog) and never answers.
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(silent >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(silent, 8) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  TempDir dir;
  const std::string config = dir.write(
      "sgdns.json",
      "{\"zones\": [{\"origin\": \"quiet.test.\", \"file\": \"quiet.copy\", \"primary\": {\"address\": "
      "\"127.0.0.1:" +
          std::to_string(ntohs(addr.sin_port)) + "\"}}]}");
  ServerProcess sgdns({"--config", config});
  REQUIRE(sgdns.process().wait_for_log("ready:", Millis(10000)));
  // The first refresh starts at once, connects (the kernel accepts it into the backlog) and then waits
  // up to 10 s for an answer that never comes.
  pollfd connected{silent, POLLIN, 0};
  REQUIRE(::poll(&connected, 1, 10000) == 1);
  const auto stop = std::chrono::steady_clock::now();
  REQUIRE(sgdns.signal(SIGTERM));
  REQUIRE(sgdns.wait_exit(Millis(20000)));
  const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - stop).count();
  INFO(sgdns.stderr_text());
  CHECK(took < 3000);
  ::close(silent);
}
