// SPDX-License-Identifier: MIT
// Hostile clients IV: a reload storm. SIGHUP 50 times a second for 5 s while dnsperf asks 20,000 queries a
// second: not one query may be lost. Loopback is on the RRL exempt list, the way a monitoring or load-test
// host would be (dnsperf is one client far above any per-client rate).
#include <signal.h>

#include <catch2/catch.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "hostile.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

long dnsperf_field(const std::string& out, const std::string& field) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(field + R"(:\s+(\d+))"))) return -1;
  return std::stol(m[1]);
}

}  // namespace

TEST_CASE("a reload storm (SIGHUP 50/s for 5 s) under 20k qps loses no query", "[hostile]") {
  TempDir dir;
  const std::string zone_path = dir.write("it.test.zone", integration_zone(1));
  const std::string config =
      dir.write("sgdns.json", R"({"zones": [{"origin": "it.test.", "file": ")" + zone_path +
                                  R"("}], "rrl": {"exempt": ["127.0.0.0/8"]}, "log_level": "info"})");
  ServerProcess server({"--config", config});
  REQUIRE(server.wait_ready("it.test."));
  const std::string queries =
      dir.write("queries.txt",
                "www.it.test A\nmail.it.test A\nit.test SOA\nit.test NS\nalias.it.test A\n"
                "x.wild.it.test A\nmissing.it.test A\nhost.deleg.it.test A\nwww.it.test AAAA\n"
                "it.test MX\n");
  const int seconds = 9;
  CommandResult perf;
  std::thread load([&] {
    perf = run_command("dnsperf -s 127.0.0.1 -p " + std::to_string(server.port()) + " -d " + queries +
                           " -l " + std::to_string(seconds) + " -Q 20000 -c 4 -q 500 -t 5 2>&1",
                       Millis((seconds + 30) * 1000));
  });
  std::this_thread::sleep_for(Millis(2000));
  int signals = 0;
  const auto start = Clock::now();
  for (auto tick = start; tick < start + Millis(5000); tick += Millis(20)) {
    std::this_thread::sleep_until(tick);
    if (signals % 10 == 0) write_file(zone_path, integration_zone(static_cast<uint32_t>(2 + signals / 10)));
    REQUIRE(server.signal(SIGHUP));
    ++signals;
  }
  load.join();
  const std::string log = server.stderr_text();
  const long sent = dnsperf_field(perf.output, "Queries sent");
  const long completed = dnsperf_field(perf.output, "Queries completed");
  const long lost = dnsperf_field(perf.output, "Queries lost");
  const std::size_t reloads = count_of(log, "reload: done");
  std::ostringstream figure;
  figure << signals << " SIGHUPs in 5 s (" << reloads << " reloads done, " << count_of(log, "reload refused")
         << " refused) under dnsperf at 20,000 qps: sent " << sent << ", completed " << completed << ", lost "
         << lost;
  print_figure("reload-storm", figure.str());
  INFO(figure.str() << "\ndnsperf:\n"
                    << perf.output << "\nsgdns log (tail):\n"
                    << log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  REQUIRE(perf.exit_code == 0);
  CHECK(sent >= 20'000L * seconds * 9 / 10);
  CHECK(lost == 0);
  CHECK(completed == sent);
  CHECK(reloads >= 50);
  CHECK(count_of(log, "reload refused") == 0);
  CHECK(server.process().running());
}
