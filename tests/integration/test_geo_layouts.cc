// SPDX-License-Identifier: MIT
// GeoIP data as operators get it: a country-code-only database with regions by countries and continents
// (kdig +subnet from four countries), `sgdns geoip-report`, refusing a database with no usable field,
// sgdns_located_total{rule}, and replacing a database under dnsperf load (SIGHUP, a broken file, and
// geoip.check_interval) without losing a query.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "geo_setup.h"
#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

std::string layout_file(const std::string& name) {
  return test_data_path("unit/geo/data/layouts/" + name);
}

/// www.geo.test. by region: eu by continent EU, us and jp by country, sa by continent SA, else dflt.
std::string layouts_config(const std::string& database, const std::string& geoip_extra = "",
                           const std::string& admin = "") {
  return R"({"zones": [{"origin": "geo.test.", "file": "geo.test.zone"}],
  "geoip": {"databases": [")" +
         database + "\"]" + geoip_extra + R"(},
  "rrl": {"exempt": ["127.0.0.0/8"]}, "log_level": "info", )" +
         admin + R"(
  "default_region": "dflt",
  "regions": {"dflt": {}, "eu": {"continents": ["EU"]}, "us": {"countries": ["US"]},
              "jp": {"countries": ["JP"]}, "sa": {"continents": ["SA"]}},
  "pools": {"p-eu": {"region": "eu", "members": ["192.0.2.201"]},
            "p-us": {"region": "us", "members": ["198.51.100.201"]},
            "p-jp": {"region": "jp", "members": ["203.0.113.201"]},
            "p-sa": {"region": "sa", "members": ["100.64.0.201"]},
            "p-dflt": {"region": "dflt", "members": ["192.0.2.99"]}},
  "records": {"www.geo.test.": {"types": ["A"], "policy": "geo",
                                "pools": ["p-eu", "p-us", "p-jp", "p-sa", "p-dflt"]}}})";
}

struct Kdig {
  std::string output;
  std::string address;        // the A record answered
  std::string client_subnet;  // ";; CLIENT-SUBNET: 192.0.2.0/24/24"'s value
};

Kdig kdig_subnet(uint16_t port, const std::string& subnet) {
  Kdig out;
  out.output = run_command("kdig @127.0.0.1 -p " + std::to_string(port) +
                               " +time=2 +retry=1 +subnet=" + subnet + " www.geo.test. A",
                           Millis(10000))
                   .output;
  std::smatch m;
  if (std::regex_search(out.output, m, std::regex(R"(www\.geo\.test\.\s+\d+\s+IN\s+A\s+(\S+))")))
    out.address = m[1];
  if (std::regex_search(out.output, m, std::regex(R"(;; CLIENT-SUBNET: (\S+))"))) out.client_subnet = m[1];
  return out;
}

/// The scope of "ADDRESS/SOURCE/SCOPE".
int scope_of(const std::string& client_subnet) {
  return std::stoi(client_subnet.substr(client_subnet.rfind('/') + 1));
}

std::string copy_of(const std::string& source) {
  return read_file(source);
}

long dnsperf_field(const std::string& out, const std::string& field) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(field + R"(:\s+(\d+))"))) return -1;
  return std::stol(m[1]);
}

/// Polls kdig until `subnet` is answered with `address` (a reload is asynchronous to the test).
bool answers_within(uint16_t port, const std::string& subnet, const std::string& address, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (kdig_subnet(port, subnet).address == address) return true;
    std::this_thread::sleep_for(Millis(100));
  }
  return false;
}

}  // namespace

TEST_CASE("a country-code-only database places clients from four countries, with a non-zero scope",
          "[integration][geo][layouts]") {
  TempDir dir;
  dir.write("geo.test.zone", geo_zone());
  dir.write("cc.mmdb", copy_of(layout_file("country-code-only.mmdb")));
  const std::string config = dir.write("sgdns.json", layouts_config("cc.mmdb"));  // no "fields"
  ServerProcess server({"--config", config});
  REQUIRE(server.wait_ready("geo.test."));
  const struct {
    const char* subnet;  // a network in the country
    const char* country;
    const char* address;  // its region's pool
    int scope;            // the merged network that decided it
  } cases[] = {
      {"192.0.2.0/24", "DE and FR (continent EU)", "192.0.2.201", 24},
      {"198.51.100.0/24", "US (country)", "198.51.100.201", 24},
      {"203.0.113.0/24", "JP (country)", "203.0.113.201", 24},
      {"100.64.0.0/16", "BR (continent SA, from the country)", "100.64.0.201", 16},
  };
  for (const auto& c : cases) {
    const Kdig k = kdig_subnet(server.port(), c.subnet);
    INFO(c.country << "\n" << k.output);
    CHECK(k.address == c.address);
    REQUIRE(!k.client_subnet.empty());
    CHECK(scope_of(k.client_subnet) == c.scope);
    CHECK(scope_of(k.client_subnet) > 0);
  }
  // Somewhere the data does not know: the default region.
  CHECK(kdig_subnet(server.port(), "10.0.0.0/8").address == "192.0.2.99");
  const std::string log = server.stderr_text();
  CHECK(log.find("layout country-code-only") != std::string::npos);
  CHECK(log.find("fields: continent from the country (5)") != std::string::npos);
}

TEST_CASE("sgdns geoip-report prints coverage by rule; a database with no usable field is refused",
          "[integration][geo][layouts]") {
  TempDir dir;
  dir.write("geo.test.zone", geo_zone());
  dir.write("cc.mmdb", copy_of(layout_file("country-code-only.mmdb")));
  const std::string config = dir.write("sgdns.json", layouts_config("cc.mmdb"));
  const CommandResult report = run_command(sgdns_binary() + " geoip-report --config " + config + " 2>&1");
  INFO(report.output);
  CHECK(report.exit_code == 0);
  CHECK(report.output.find("geoip " + dir.file("cc.mmdb") + ": country-code-only") != std::string::npos);
  CHECK(report.output.find("country country_code (5)") != std::string::npos);
  // Hand-computed: US and JP are two /24s of IPv4 (2^-23 = 0.0000119%), EU and SA a /25 pair and a /16.
  CHECK(report.output.find("  country        <0.001%     0.000%") != std::string::npos);
  CHECK(report.output.find("  continent       0.002%    <0.001%") != std::string::npos);
  CHECK(report.output.find("served map (every database and CIDR): compiled in ") != std::string::npos);

  const CommandResult json = run_command(sgdns_binary() + " geoip-report --json --config " + config);
  const auto parsed = nlohmann::json::parse(json.output);
  CHECK(parsed["databases"][0]["coverage"]["ipv4"]["country"].get<double>() == std::ldexp(1.0, -23));
  CHECK(parsed["served"]["ipv6"]["continent"].get<double>() == std::ldexp(1.0, -45));

  dir.write("asn.mmdb", copy_of(layout_file("asn-only.mmdb")));
  const std::string refused = dir.write("refused.json", layouts_config("asn.mmdb"));
  const CommandResult no_fields = run_command(sgdns_binary() + " geoip-report --config " + refused + " 2>&1");
  CHECK(no_fields.exit_code == 2);
  CHECK(no_fields.output.find(dir.file("asn.mmdb") + ": no record (of 5) has a field the regions use") !=
        std::string::npos);
  // The server refuses to start on it the same way.
  const CommandResult start = run_command(sgdns_binary() + " --config " + refused + " 2>&1");
  CHECK(start.exit_code == 2);
  CHECK(start.output.find(dir.file("asn.mmdb")) != std::string::npos);
}

TEST_CASE("sgdns_located_total counts answers by the rule that placed the client",
          "[integration][geo][layouts]") {
  TempDir dir;
  dir.write("geo.test.zone", geo_zone());
  dir.write("cc.mmdb", copy_of(layout_file("country-code-only.mmdb")));
  const uint16_t admin_port = free_port();
  const std::string token = "located-total-token-0123456789";
  dir.write("token", token + "\n");
  ::chmod(dir.file("token").c_str(), 0600);
  const std::string config = dir.write(
      "sgdns.json", layouts_config("cc.mmdb", "",
                                   R"("admin": {"listen": "127.0.0.1:)" + std::to_string(admin_port) +
                                       R"(", "token_file": "token"},)"));
  ServerProcess server({"--config", config});
  REQUIRE(server.wait_ready("geo.test."));
  for (const char* subnet : {"192.0.2.0/24", "100.64.0.0/16", "198.51.100.0/24", "10.0.0.0/8", "10.0.0.0/8"})
    REQUIRE(!kdig_subnet(server.port(), subnet).address.empty());
  const AdminClient admin("127.0.0.1", admin_port, token);
  const HttpResponse metrics = admin.get("/metrics");
  INFO(metrics.body);
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("sgdns_located_total{rule=\"continent\"} 2") != std::string::npos);
  CHECK(metrics.body.find("sgdns_located_total{rule=\"country\"} 1") != std::string::npos);
  CHECK(metrics.body.find("sgdns_located_total{rule=\"default\"} 2") != std::string::npos);
  CHECK(metrics.body.find("sgdns_located_total{rule=\"asn\"} 0") != std::string::npos);
}

TEST_CASE("a replaced database changes answers at SIGHUP with no query lost; a broken one keeps the old map",
          "[integration][geo][layouts][reload]") {
  TempDir dir;
  dir.write("geo.test.zone", geo_zone());
  const std::string db = dir.write("cc.mmdb", copy_of(layout_file("country-code-only.mmdb")));
  const std::string config = dir.write("sgdns.json", layouts_config("cc.mmdb"));
  ServerProcess server({"--config", config});
  REQUIRE(server.wait_ready("geo.test."));
  REQUIRE(kdig_subnet(server.port(), "192.0.2.0/24").address == "192.0.2.201");  // DE: eu

  // dnsperf asks for www.geo.test. from Germany (ECS 192.0.2.0/24) the whole time.
  const std::string queries = dir.write("queries.txt", "www.geo.test A\n");
  const int seconds = 8;
  CommandResult perf;
  std::thread load([&] {
    perf =
        run_command("dnsperf -s 127.0.0.1 -p " + std::to_string(server.port()) + " -d " + queries + " -l " +
                        std::to_string(seconds) + " -Q 5000 -c 2 -q 200 -t 5 -e -E 8:00011800c00002 2>&1",
                    Millis((seconds + 30) * 1000));
  });
  std::this_thread::sleep_for(Millis(1500));
  // The weekly update moved the network to the US.
  write_file(db, copy_of(layout_file("country-code-moved.mmdb")));
  REQUIRE(server.signal(SIGHUP));
  CHECK(answers_within(server.port(), "192.0.2.0/24", "198.51.100.201", Millis(10000)));
  // A truncated download: refused, the old map keeps answering.
  write_file(db, copy_of(layout_file("country-code-only.mmdb")).substr(0, 700));
  REQUIRE(server.signal(SIGHUP));
  CHECK(server.process().wait_for_log("reload refused", Millis(10000)));
  CHECK(kdig_subnet(server.port(), "192.0.2.0/24").address == "198.51.100.201");
  load.join();
  INFO(perf.output);
  CHECK(dnsperf_field(perf.output, "Queries sent") > 10000);
  CHECK(dnsperf_field(perf.output, "Queries lost") == 0);
  CHECK(dnsperf_field(perf.output, "Queries completed") == dnsperf_field(perf.output, "Queries sent"));
}

TEST_CASE("geoip.check_interval picks up a replaced database without a signal",
          "[integration][geo][layouts][reload]") {
  TempDir dir;
  dir.write("geo.test.zone", geo_zone());
  const std::string db = dir.write("cc.mmdb", copy_of(layout_file("country-code-only.mmdb")));
  const std::string config =
      dir.write("sgdns.json", layouts_config("cc.mmdb", R"(, "check_interval": "1s")"));
  ServerProcess server({"--config", config});
  REQUIRE(server.wait_ready("geo.test."));
  REQUIRE(kdig_subnet(server.port(), "203.0.113.0/24").address == "203.0.113.201");  // JP
  write_file(db, copy_of(layout_file("country-code-moved.mmdb")));                   // JP -> BR
  CHECK(answers_within(server.port(), "203.0.113.0/24", "100.64.0.201", Millis(15000)));
  CHECK(server.stderr_text().find("reload: started by geoip.check_interval: " + db + " changed") !=
        std::string::npos);
  // Unchanged files cause no reload: one more interval, still one reload.
  std::this_thread::sleep_for(Millis(2500));
  const std::string log = server.stderr_text();
  std::size_t reloads = 0;
  for (auto at = log.find("reload: started"); at != std::string::npos;
       at = log.find("reload: started", at + 1))
    ++reloads;
  CHECK(reloads == 1);
}
