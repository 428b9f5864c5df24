// SPDX-License-Identifier: MIT
// What the server says about itself: --version, the build-info metric, # HELP on every metric, the
// configuration and GeoIP databases in /v1/status, and the log lines operators look for (health flips,
// transfers, reload triggers, GeoIP re-reads); and SIGTERM stops it within half a second.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "geo_setup.h"
#include "http_backend.h"
#include "test_helpers.h"

using namespace sgdns::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The geo test configuration (with the demo GeoIP databases) plus the admin API, in a scratch directory.
struct GeoAdminServer {
  GeoAdminServer()
      : admin_port(free_port()), admin("127.0.0.1", admin_port, "say-what-runs-token-0123456789") {
    dir.write("geo.test.zone", geo_zone());
    dir.write("token", admin.token() + "\n");
    json c = json::parse(geo_config(default_geo_setup()));
    c["admin"] = {{"listen", "127.0.0.1:" + std::to_string(admin_port)}, {"token_file", "token"}};
    config = dir.write("sgdns.json", c.dump(2));
    server = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config});
    bool ready = server->wait_ready(kGeoZone);
    INFO("sgdns log:\n" << server->stderr_text());
    REQUIRE(ready);
    auto deadline = Clock::now() + Millis(5000);
    while (admin.get("/v1/ready").status != 200 && Clock::now() < deadline)
      std::this_thread::sleep_for(Millis(20));
  }
  json status() const {
    HttpResponse r = admin.get("/v1/status");
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  TempDir dir;
  uint16_t admin_port;
  AdminClient admin;
  std::string config;
  std::unique_ptr<ServerProcess> server;
};

// Waits (bounded) until the server's log has `needle`.
bool log_shows(ServerProcess& server, const std::string& needle, Millis limit = Millis(5000)) {
  return server.process().wait_for_log(needle, limit);
}

}  // namespace

TEST_CASE("--version names the version, the commit, the build type and the libraries",
          "[integration][info]") {
  CommandResult r = run_command(sgdns_binary() + " --version");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.rfind("sgdns 0.", 0) == 0);
  CHECK(r.output.find(" (commit ") != std::string::npos);
  CHECK(r.output.find(" build)") != std::string::npos);
  for (const char* library : {"ldns ", "libuv ", "libmaxminddb ", "libcurl ", "civetweb ", "OpenSSL ",
                              "libsodium ", "prometheus-cpp ", "liburcu ", "nlohmann-json "}) {
    INFO(library);
    CHECK(r.output.find(std::string("\n  ") + library) != std::string::npos);
  }
  // Built from a git checkout (as CI's clean clone is): the commit is the checkout's.
  CommandResult head = run_command("git -C " + source_path("") + " rev-parse --short=12 HEAD 2>/dev/null");
  if (head.exit_code == 0 && !head.output.empty()) {
    std::string hash = head.output.substr(0, head.output.find('\n'));
    CHECK(r.output.find(hash) != std::string::npos);
  }
}

TEST_CASE("every metric has # HELP, and sgdns_build_info names the build", "[integration][info]") {
  GeoAdminServer s;
  for (int i = 0; i < 3; ++i)
    ask(Endpoint("127.0.0.1", s.server->port()), make_query("www.geo.test", kTypeA));
  HttpResponse r = s.admin.get("/metrics");
  REQUIRE(r.status == 200);
  INFO(r.body);
  std::map<std::string, std::string> help;
  std::set<std::string> typed, sampled;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string hash, kind, name;
    if (line.rfind("# HELP ", 0) == 0) {
      fields >> hash >> kind >> name;
      std::string text;
      std::getline(fields >> std::ws, text);
      help[name] = text;
    } else if (line.rfind("# TYPE ", 0) == 0) {
      fields >> hash >> kind >> name;
      typed.insert(name);
    } else if (!line.empty() && line[0] != '#') {
      sampled.insert(line.substr(0, line.find_first_of("{ ")));
    }
  }
  REQUIRE_FALSE(typed.empty());
  for (const auto& name : typed) {
    INFO("family " << name);
    CHECK_FALSE(help[name].empty());
  }
  for (std::string name : sampled) {  // a histogram's series belong to their family
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (!typed.count(name) && name.size() > std::strlen(suffix) &&
          name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
        name.erase(name.size() - std::strlen(suffix));
    INFO("series " << name);
    CHECK(typed.count(name) == 1);
  }
  CHECK(r.body.find("sgdns_build_info{") != std::string::npos);
  CHECK(r.body.find("commit=\"") != std::string::npos);
  CHECK(r.body.find("version=\"0.") != std::string::npos);
}

TEST_CASE("/v1/status names the configuration file with its SHA-256 and each GeoIP database",
          "[integration][info]") {
  GeoAdminServer s;
  json status = s.status();
  INFO(status.dump(2));
  CHECK(status["config"]["path"] == s.config);
  CommandResult sum = run_command("sha256sum " + s.config);
  REQUIRE(sum.exit_code == 0);
  CHECK(status["config"]["sha256"] == sum.output.substr(0, 64));
  REQUIRE(status["geoip"].size() == 2);
  CHECK(status["geoip"][0]["type"] == "GeoIP2-City");
  CHECK(status["geoip"][0]["build_date"] == "2024-01-01T00:00:00Z");
  CHECK(status["geoip"][1]["type"] == "GeoLite2-ASN");
  CHECK(status["version"]["commit"].is_string());
  CHECK(status["ready"] == true);
  // The digest is the served configuration's: an edit shows only once it is reloaded.
  write_file(s.config, read_file(s.config) + "\n");
  CHECK(s.status()["config"]["sha256"] == sum.output.substr(0, 64));
  REQUIRE(s.admin.post("/v1/reload").status == 200);
  CommandResult edited = run_command("sha256sum " + s.config);
  CHECK(s.status()["config"]["sha256"] == edited.output.substr(0, 64));
  CHECK(edited.output.substr(0, 64) != sum.output.substr(0, 64));
}

TEST_CASE("reload triggers and GeoIP re-reads are logged", "[integration][info]") {
  GeoAdminServer s;
  const std::string geoip = "geoip: read " + default_geo_setup().city_db + ": GeoIP2-City, built 2024-01-01";
  CHECK(log_shows(*s.server, geoip));
  REQUIRE(s.server->signal(SIGHUP));
  CHECK(log_shows(*s.server, "info reload: started by SIGHUP"));
  CHECK(log_shows(*s.server, "reload: done, generation 2"));
  REQUIRE(s.admin.post("/v1/reload").status == 200);
  CHECK(log_shows(*s.server, "info reload: started by POST /v1/reload"));
  std::string log = s.server->stderr_text();
  INFO(log);
  std::size_t reads = 0;
  for (std::size_t at = log.find(geoip); at != std::string::npos; at = log.find(geoip, at + 1)) ++reads;
  CHECK(reads == 3);  // at start and after each of the two reloads
}

TEST_CASE("transfers are logged, allowed and refused", "[integration][info]") {
  ServedZone allowed("it.test.", integration_zone());
  auto axfr = [](const ServedZone& z) {
    TcpConnection conn(z.endpoint());
    REQUIRE(conn.connected());
    REQUIRE(conn.send_message(build_query(make_query("it.test", kTypeAXFR))));
    REQUIRE(conn.read_message(Millis(3000)).has_value());
  };
  axfr(allowed);
  CHECK(log_shows(*allowed.server, "info axfr of it.test. to 127.0.0.1: allowed, serial 1"));
  ServedZone refused("it.test.", integration_zone(), {"--axfr-allow", "192.0.2.0/24"});
  axfr(refused);
  CHECK(log_shows(*refused.server, "info axfr of it.test. to 127.0.0.1: refused (not in transfer.allow)"));
}

TEST_CASE("health flips are logged at warn", "[integration][info]") {
  HealthSetup setup;
  setup.check_port = free_port();  // nothing listens: every member goes down after two probes
  HealthServer server(setup);
  REQUIRE(server.wait_ready());
  auto deadline = Clock::now() + Millis(10000);
  while (server.log().find(" warn health: edge/127.0.0.2 down") == std::string::npos &&
         Clock::now() < deadline)
    std::this_thread::sleep_for(Millis(50));
  INFO(server.log());
  CHECK(server.log().find(" warn health: edge/127.0.0.2 down") != std::string::npos);
}

TEST_CASE("SIGTERM stops the server within half a second, admin API and probes included",
          "[integration][info][timing]") {
  uint16_t port = free_port_on({"127.0.0.2", "127.0.0.3", "127.0.0.4"});
  std::vector<std::unique_ptr<HttpBackend>> backends;
  for (const char* a : {"127.0.0.2", "127.0.0.3", "127.0.0.4"})
    backends.push_back(std::make_unique<HttpBackend>(a, port));
  for (auto& b : backends) b->start();
  for (auto& b : backends) REQUIRE(b->wait_serving());
  HealthSetup setup;
  setup.check_port = port;
  for (int round = 0; round < 3; ++round) {
    HealthServer server(setup);
    REQUIRE(server.wait_ready());
    std::this_thread::sleep_for(Millis(300 * round));  // stop at different points of the probe schedule
    REQUIRE(server.status().has_value());
    auto started = Clock::now();
    REQUIRE(server.signal(SIGTERM));
    auto status = server.wait_exit(Millis(5000));
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    INFO("round " << round << ": exit after " << seconds << " s\n" << server.log());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(seconds < 0.5);
  }
}
