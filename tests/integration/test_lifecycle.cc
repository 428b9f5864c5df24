// SPDX-License-Identifier: MIT
// Black-box checks of the sgdns process: SIGHUP reload, SIGTERM, bad command lines and broken zones.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

std::string www_address(const ServedZone& zone) {
  Reply r = zone.ask(make_query("www.it.test", kTypeA));
  auto a = r.answers_of(kTypeA);
  return a.size() == 1 && a[0].rdata.size() == 1 ? a[0].rdata[0] : "(none: " + r.text + ")";
}

// Waits (bounded) for a server that is expected to give up; its exit status, or nullopt if it kept running.
std::optional<int> run_to_exit(ServerProcess& server) {
  return server.wait_exit(Millis(5000));
}

std::string basename_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// True when `log` names `path` (in full or by basename) followed by ":<line>".
bool names_file_line(const std::string& log, const std::string& path, int line) {
  std::string suffix = ":" + std::to_string(line);
  return log.find(path + suffix) != std::string::npos ||
         log.find(basename_of(path) + suffix) != std::string::npos;
}

}  // namespace

TEST_CASE("SIGHUP reloads an edited zone; a broken one is refused and the old data stays", "[integration]") {
  ServedZone zone("it.test.", integration_zone(1, "192.0.2.80"));
  REQUIRE(www_address(zone) == "192.0.2.80");

  write_file(zone.zone_path, integration_zone(2, "192.0.2.81"));
  REQUIRE(zone.server->signal(SIGHUP));
  std::string now;
  for (int i = 0; i < 100 && now != "192.0.2.81"; ++i) {  // up to ~5 s
    std::this_thread::sleep_for(Millis(50));
    now = www_address(zone);
  }
  CHECK(now == "192.0.2.81");
  Reply soa = zone.ask(make_query("it.test", kTypeSOA));
  REQUIRE(soa.answers_of(kTypeSOA).size() == 1);
  CHECK(soa.answers_of(kTypeSOA)[0].rdata[0].find(" 2 7200 ") != std::string::npos);

  // A bad A address on a known line: the error must name file:line and the old zone keeps serving.
  std::string broken = integration_zone(3, "192.0.2.82");
  size_t www_line = 0;
  {
    std::istringstream in(broken);
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n)
      if (line.rfind("www      IN A ", 0) == 0) www_line = n;
  }
  REQUIRE(www_line > 0);
  broken.replace(broken.find("192.0.2.82"), 10, "192.0.2.999");
  write_file(zone.zone_path, broken);
  REQUIRE(zone.server->signal(SIGHUP));
  bool logged = false;
  for (int i = 0; i < 100 && !logged; ++i) {
    std::this_thread::sleep_for(Millis(50));
    logged = names_file_line(zone.server->stderr_text(), zone.zone_path, static_cast<int>(www_line));
  }
  INFO("stderr:\n" << zone.server->stderr_text());
  CHECK(logged);
  CHECK(www_address(zone) == "192.0.2.81");
  CHECK(zone.server->process().running());
}

TEST_CASE("SIGTERM stops the server with status 0", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  REQUIRE(zone.server->signal(SIGTERM));
  auto status = zone.server->wait_exit(Millis(5000));
  INFO("stderr:\n" << zone.server->stderr_text());
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("--help and --version exit 0", "[integration]") {
  for (const char* flag : {"--help", "--version"}) {
    auto result = run_command(sgdns_binary() + " " + flag, Millis(5000));
    INFO(flag << ": " << result.output);
    CHECK(result.exit_code == 0);
    CHECK_FALSE(result.output.empty());
  }
}

TEST_CASE("bad command lines exit non-zero with one line on stderr", "[integration]") {
  TempDir dir;
  std::string good_zone = dir.write("it.test.zone", integration_zone());
  const std::vector<std::vector<std::string>> cases{
      {"--no-such-flag"},
      {"--zone", "it.test.=" + good_zone, "--threads", "lots"},
      {"--zone", "it.test.=" + good_zone, "--log-level", "chatty"},
      {"--zone", "it.test.=" + dir.file("missing.zone")},
      {"--zone", "no-equals-sign"},
      {"--config", dir.file("missing.json")},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    ServerProcess server(args);
    auto status = run_to_exit(server);
    INFO("args: " << joined << "\nstderr:\n" << server.stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status != 0);
    CHECK(*status < 128);  // an orderly exit, not a crash
    CHECK(nonempty_lines(server.stderr_text()).size() == 1);
  }
}

TEST_CASE("semantically broken zones are refused at start, naming file:line", "[integration]") {
  struct Case {
    const char* what;
    std::string text;
    std::vector<int> lines;  // the error may name either offending record
  };
  const std::string head =
      "$ORIGIN bad.test.\n"                                // 1
      "$TTL 3600\n"                                        // 2
      "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 600\n"  // 3
      "  IN NS ns1\n"                                      // 4
      "ns1 IN A 192.0.2.53\n";                             // 5
  const std::vector<Case> cases{
      {"two SOAs", head + "@ IN SOA ns1 hostmaster 2 7200 3600 1209600 600\n", {6, 3}},
      {"CNAME and A at one name", head + "www IN A 192.0.2.80\nwww IN CNAME ns1\n", {7, 6}},
  };
  for (const auto& c : cases) {
    TempDir dir;
    std::string path = dir.write("bad.test.zone", c.text);
    ServerProcess server({"--zone", "bad.test.=" + path});
    // Either it exits non-zero, or it runs without serving the zone; both must log file:line.
    auto status = server.wait_exit(Millis(3000));
    std::string log = server.stderr_text();
    INFO(c.what << "\nstderr:\n" << log);
    bool named = std::any_of(c.lines.begin(), c.lines.end(),
                             [&](int line) { return names_file_line(log, path, line); });
    CHECK(named);
    if (status) {
      CHECK(*status != 0);
      CHECK(*status < 128);
    } else {
      Reply r = ask(Endpoint("127.0.0.1", server.port()), make_query("ns1.bad.test", kTypeA));
      CHECK(r.rcode != kRcodeNoError);
    }
  }
}
