// SPDX-License-Identifier: MIT
// sgdns as a secondary of Knot DNS, with TSIG: a change made with knotc is served within 2 s (NOTIFY,
// then IXFR), a restart with the primary down serves the copy on disk, a zone Knot serves but sgdns's
// checks refuse keeps the old data, and a zone past its SOA expire is answered SERVFAIL until Knot is
// back. Knot runs on loopback ports in its own temporary directory and is stopped by PID.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

const std::string kSecret = "l1WhUn/bSjVoyfL4OP9m06MSfrrLnVAO9ZsTB3oRcx8=";

std::string zone_text(const std::string& timers) {
  return "$ORIGIN sec.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 " + timers +
         "\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.80\n";
}

/// A Knot DNS primary for sec.test., sending NOTIFY to `secondary_port` and allowing transfers signed
/// with the key "xfr"; knotc talks to it through its control socket.
class KnotPrimary {
 public:
  KnotPrimary(const std::string& timers, uint16_t secondary_port, uint16_t port = 0)
      : port_(port ? port : free_port()) {
    dir_.write("sec.test.zone", zone_text(timers));
    const std::string d = dir_.path();
    const std::string conf =
        "server:\n  rundir: \"" + d + "\"\n  listen: 127.0.0.1@" + std::to_string(port_) +
        "\ndatabase:\n  storage: \"" + d + "\"\ncontrol:\n  listen: \"" + d +
        "/knot.sock\"\nlog:\n  - target: stderr\n    any: info\n"
        "key:\n  - id: xfr\n    algorithm: hmac-sha256\n    secret: " +
        kSecret + "\nremote:\n  - id: edge\n    address: 127.0.0.1@" + std::to_string(secondary_port) +
        "\n    key: xfr\nacl:\n  - id: to_edge\n    address: 127.0.0.1\n    key: xfr\n"
        "    action: transfer\ntemplate:\n  - id: default\n    storage: \"" +
        d +
        "\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: changes\n"
        "zone:\n  - domain: sec.test.\n    file: sec.test.zone\n    notify: edge\n    acl: to_edge\n";
    const std::string path = dir_.write("knot.conf", conf);
    process_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/knotd", "-c", path},
                                         dir_.file("knot.log"));
    if (!wait_until_answers(*process_, "127.0.0.1", port_, "sec.test."))
      throw std::runtime_error("knotd did not start:\n" + process_->log());
  }
  ~KnotPrimary() { stop(); }

  /// One knotc command; its output.
  std::string knotc(const std::string& args) {
    return run_command("knotc -s " + dir_.path() + "/knot.sock " + args, Millis(10000)).output;
  }
  /// Begins a transaction, runs each of `changes` (zone-set / zone-unset arguments), commits.
  std::string change(const std::vector<std::string>& changes) {
    std::string out = knotc("zone-begin sec.test.");
    for (const auto& c : changes) out += knotc(c);
    return out + knotc("zone-commit sec.test.");
  }
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    if (!process_->wait_exit(Millis(10000))) process_->signal(SIGKILL);
    process_.reset();
  }
  uint16_t port() const { return port_; }
  std::string log() const { return process_ ? process_->log() : std::string(); }

 private:
  TempDir dir_;
  uint16_t port_;
  std::unique_ptr<Process> process_;
};

std::string dig(uint16_t port, const std::string& args) {
  return run_command("kdig @127.0.0.1 -p " + std::to_string(port) + " " + args + " +timeout=1 +retry=0",
                     Millis(3000))
      .output;
}

std::string www(uint16_t port) {
  return dig(port, "www.sec.test. A +short");
}

/// sgdns's configuration: sec.test. a secondary of 127.0.0.1:`primary`, its copy in `dir`.
std::string write_config(const TempDir& dir, uint16_t port, uint16_t primary) {
  dir.write("xfr.key", "key \"xfr\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + kSecret + "\";\n};\n");
  return dir.write(
      "sgdns.json",
      "{\"listen\": [\"127.0.0.1:" + std::to_string(port) +
          "\"], \"keys\": [{\"name\": \"xfr\", \"file\": \"xfr.key\"}], \"journal\": {\"dir\": \".\"}, "
          "\"zones\": [{\"origin\": \"sec.test.\", \"file\": \"sec.test.copy\", \"primary\": "
          "{\"address\": \"127.0.0.1:" +
          std::to_string(primary) + "\", \"key\": \"xfr\"}}]}");
}

}  // namespace

TEST_CASE("sgdns follows Knot DNS: knotc change within 2 s, copy on disk, broken zone refused",
          "[integration][replication]") {
  TempDir dir;
  const uint16_t port = free_port();
  // Refresh an hour away: only NOTIFY can bring a change within seconds.
  KnotPrimary knot("3600 600 86400 300", port);
  const std::string config = write_config(dir, port, knot.port());
  auto sgdns = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config}, false);
  // No copy at start: the zone is served once the first transfer (AXFR) is in.
  const long first =
      wait_ms([&] { return www(port).find("192.0.2.80") != std::string::npos; }, Millis(15000));
  INFO("knot log:\n" << knot.log() << "\nsgdns log:\n" << sgdns->stderr_text());
  REQUIRE(first >= 0);
  CHECK(sgdns->process().wait_for_log(
      "sec.test.: no copy -> serial 1 from 127.0.0.1:" + std::to_string(knot.port()) + " by AXFR",
      Millis(1000)));
  CHECK(read_file(dir.file("sec.test.copy")).find("192.0.2.80") != std::string::npos);

  // A change on the primary: NOTIFY, then IXFR.
  const auto committed = std::chrono::steady_clock::now();
  INFO(knot.change({"zone-set sec.test. www 300 A 192.0.2.81", "zone-unset sec.test. www A 192.0.2.80"}));
  const long latency =
      wait_ms([&] { return www(port).find("192.0.2.81") != std::string::npos; }, Millis(10000));
  const auto since_commit = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - committed);
  INFO("knotc zone-commit to served by sgdns: " << latency << " ms (" << since_commit.count()
                                                << " ms including knotc)");
  REQUIRE(latency >= 0);
#ifndef SGDNS_UNDER_TSAN  // 5-15x slower under ThreadSanitizer: the 2 s promise is the plain build's
  CHECK(latency < 2000);
#endif
  std::printf("secondary interop: knotc zone-commit -> new A served by sgdns in %ld ms\n", latency);
  const std::string log = sgdns->stderr_text();
  CHECK(log.find("NOTIFY received for sec.test. from its primary") != std::string::npos);
  CHECK(log.find("sec.test.: serial 1 -> serial 2 from 127.0.0.1:" + std::to_string(knot.port()) +
                 " by IXFR") != std::string::npos);
  CHECK(www(port).find("192.0.2.80") == std::string::npos);
  // sgdns keeps its own journal of the fetched versions: its secondaries get IXFR from it too.
  const std::string ixfr = dig(port, "+tcp sec.test. IXFR=1 -y hmac-sha256:xfr:" + kSecret);
  CHECK(ixfr.find("192.0.2.81") != std::string::npos);

  // Knot serves a TXT record below a delegation (occluded data, which it accepts); sgdns's zone checks
  // refuse it as they refuse it in a file zone, and serial 2 stays served.
  INFO(knot.change({"zone-set sec.test. sub 300 NS ns.elsewhere.example.",
                    "zone-set sec.test. x.sub 300 TXT occluded", "zone-set sec.test. www 300 A 192.0.2.82"}));
  REQUIRE(sgdns->process().wait_for_log("rejected, still serving serial 2", Millis(10000)));
  CHECK(www(port).find("192.0.2.81") != std::string::npos);
  CHECK(dig(port, "sec.test. SOA +short").find(" 2 3600 ") != std::string::npos);
  CHECK(read_file(dir.file("sec.test.copy")).find("192.0.2.81") != std::string::npos);

  // Restarted with the primary down: the copy is served at once, and the failed refresh is logged.
  REQUIRE(sgdns->signal(SIGTERM));
  REQUIRE(sgdns->wait_exit(Millis(15000)));
  knot.stop();
  sgdns = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config}, false);
  REQUIRE(wait_until_answers(sgdns->process(), "127.0.0.1", port, "sec.test."));
  CHECK(www(port).find("192.0.2.81") != std::string::npos);
  CHECK(sgdns->process().wait_for_log(
      "sec.test.: refresh from 127.0.0.1:" + std::to_string(knot.port()) + " failed", Millis(15000)));
  CHECK(www(port).find("192.0.2.81") != std::string::npos);
}

TEST_CASE("a secondary zone past its SOA expire is SERVFAIL until the primary is back",
          "[integration][replication]") {
  TempDir dir;
  const uint16_t port = free_port();
  // Refresh and retry every second, expire after 4 s without a refresh.
  auto knot = std::make_unique<KnotPrimary>("1 1 4 300", port);
  const uint16_t primary = knot->port();
  const std::string config = write_config(dir, port, primary);
  ServerProcess sgdns({"--config", config}, false);
  const long first =
      wait_ms([&] { return www(port).find("192.0.2.80") != std::string::npos; }, Millis(15000));
  INFO("sgdns log:\n" << sgdns.stderr_text() << "\nknot log:\n" << knot->log());
  REQUIRE(first >= 0);
  knot->stop();
  const long expired = wait_ms(
      [&] { return dig(port, "www.sec.test. A").find("SERVFAIL") != std::string::npos; }, Millis(20000));
  REQUIRE(expired >= 0);
  CHECK(sgdns.process().wait_for_log("answering SERVFAIL for it until the primary is reached", Millis(1000)));
  knot = std::make_unique<KnotPrimary>("1 1 4 300", port, primary);
  REQUIRE(wait_ms([&] { return www(port).find("192.0.2.80") != std::string::npos; }, Millis(15000)) >= 0);
  CHECK(sgdns.process().wait_for_log("reached again", Millis(1000)));
}
