// SPDX-License-Identifier: MIT
// `sgdns check`: the shipped configuration passes (also with a default health check on its edge pools),
// every problem of a broken one is listed with budgets last, and nothing is bound.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "geo_setup.h"
#include "test_helpers.h"

using namespace sgdns::test;
using nlohmann::json;

namespace {

// The shipped sgdns.json with its relative paths made absolute, so it can be written anywhere.
json shipped_config() {
  std::ifstream in(source_path("sgdns.json"));
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  json c = json::parse(text.str());
  for (auto& z : c["zones"]) z["file"] = source_path(z["file"].get<std::string>());
  for (auto& d : c["geoip"]["databases"]) d = source_path(d.get<std::string>());
  return c;
}

struct Checked {
  CommandResult result;
  std::string out, err;
};

// Runs `sgdns check ARGS` with stdout and stderr kept apart.
Checked check(const TempDir& dir, const std::string& args) {
  Checked c;
  std::string out = dir.file("check.out"), err = dir.file("check.err");
  c.result = run_command(sgdns_binary() + " check " + args + " >" + out + " 2>" + err);
  c.out = read_file(out);
  c.err = read_file(err);
  return c;
}

// A token file as an operator keeps it: mode 0600 (sgdns, and check, warn about one others can read).
std::string token_file(const TempDir& dir) {
  std::string path = dir.write("token", "check-test-token-0123456789\n");
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  return path;
}

}  // namespace

TEST_CASE("sgdns check passes the shipped configuration and prints what it would serve",
          "[integration][check]") {
  TempDir dir;
  std::string config = dir.write("sgdns.json", shipped_config().dump(2));
  Checked c = check(dir, "--config " + config + " --admin-token-file " + token_file(dir));
  INFO("stdout:\n" << c.out << "stderr:\n" << c.err);
  REQUIRE(c.result.exit_code == 0);
  CHECK(c.out.find("sgdns check: " + config + ": OK") != std::string::npos);
  CHECK(c.out.find("zone streamgate.example.: serial ") != std::string::npos);
  CHECK(c.out.find("GeoIP2-City, built 2024-01-01") != std::string::npos);
  for (const char* name : {"www", "ingest", "media", "origin", "status"})
    CHECK(c.out.find(std::string("record ") + name + ".streamgate.example.: ") != std::string::npos);
  CHECK(c.err.empty());
}

TEST_CASE("the shipped configuration with a default check on its edge pools passes the failover budget",
          "[integration][check][budget]") {
  TempDir dir;
  json config = shipped_config();
  config["checks"] = {{"edge", {{"type", "tcp"}}}};
  for (auto& [name, pool] : config["pools"].items())
    if (name.rfind("edge-", 0) == 0) pool["check"] = "edge";
  SECTION("as shipped (TTL 20)") {}
  SECTION("with the default TTL (30)") {
    for (auto& [name, record] : config["records"].items()) record.erase("ttl");
  }
  std::string path = dir.write("sgdns.json", config.dump(2));
  Checked c = check(dir, "--json --config " + path + " --admin-token-file " + token_file(dir));
  INFO("stdout:\n" << c.out << "stderr:\n" << c.err);
  REQUIRE(c.result.exit_code == 0);
  json report = json::parse(c.out);
  int checked = 0;
  for (const auto& r : report["records"]) {
    if (r["failover"].is_null()) continue;  // origin: its pools are not edge pools
    ++checked;
    CHECK(r["failover"]["within_budget"] == true);
    CHECK(r["failover"]["worst_case_seconds"].get<double>() == Approx(7.65));
    CHECK(r["failover"]["arithmetic"].get<std::string>().find("+ 5s TTL") != std::string::npos);
  }
  CHECK(checked == 4);
}

TEST_CASE("sgdns check lists every problem, structural ones before budgets, and exits 2",
          "[integration][check]") {
  TempDir dir;
  std::string zone = dir.write("geo.test.zone", geo_zone() + "broken IN A 192.0.2.999\n");
  const int zone_line = 9;  // the line just appended
  json config = json::parse(geo_config(default_geo_setup()));
  config["geoip"]["databases"].push_back(dir.file("missing.mmdb"));
  config["pools"]["edge-eu"]["members"][1] = "192.0.2.300";
  config["records"]["www.geo.test."]["pools"][2] = "edge-xx";
  config["checks"] = {{"web", {{"type", "tcp"}}}};
  config["pools"]["edge-us"]["check"] = "web";
  config["records"]["media.geo.test."]["min_ttl"] = 20;  // 20 s TTL: over a 20 s budget
  config["failover_budget"] = "20s";
  std::string path = dir.write("sgdns.json", config.dump(2));
  Checked c = check(dir, "--config " + path);
  INFO("stdout:\n" << c.out << "stderr:\n" << c.err);
  CHECK(c.result.exit_code == 2);
  CHECK(c.out.empty());
  std::vector<std::string> want{
      "sgdns check: " + path +
          ": pools.edge-eu.members[1].address: \"192.0.2.300\" is not an IPv4 or IPv6 address",
      "sgdns check: " + path + ": records.\"www.geo.test.\".pools[2]: no pool \"edge-xx\"",
      "sgdns check: " + path + ": geoip: " + dir.file("missing.mmdb"),
      "sgdns check: " + zone + ":" + std::to_string(zone_line) + ":",
      "sgdns check: " + path + ": records.\"media.geo.test.\": worst-case failover check web: ",
      "sgdns check: 5 problems"};
  auto lines = nonempty_lines(c.err);
  REQUIRE(lines.size() == want.size());
  // The budget comes after every structural problem; each line is one problem.
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("line " << i);
    CHECK(lines[i].rfind(want[i], 0) == 0);
  }
}

TEST_CASE("sgdns check lists every mistake of the file itself", "[integration][check]") {
  TempDir dir;
  json config = json::parse(geo_config(default_geo_setup()));
  config["colour"] = "red";
  config["threads"] = "two";
  config["tcp"] = {{"idle_timeout", "soon"}};
  std::string path = dir.write("sgdns.json", config.dump(2));
  Checked c = check(dir, "--config " + path);
  INFO("stderr:\n" << c.err);
  CHECK(c.result.exit_code == 2);
  CHECK(c.err.find(path + ": colour: unknown key") != std::string::npos);
  CHECK(c.err.find(path + ": threads: expected an integer from 0 to 256") != std::string::npos);
  CHECK(c.err.find(path + ": tcp.idle_timeout: \"soon\" is not a duration") != std::string::npos);
  CHECK(c.err.find("sgdns check: 3 problems") != std::string::npos);
}

TEST_CASE("sgdns check binds nothing: it passes while the listen addresses are taken",
          "[integration][check]") {
  TempDir dir;
  dir.write("geo.test.zone", geo_zone());
  uint16_t port = free_port();
  int held = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  json config = json::parse(geo_config(default_geo_setup()));
  config["listen"] = {"127.0.0.1:" + std::to_string(port)};
  std::string path = dir.write("sgdns.json", config.dump(2));
  Checked c = check(dir, "--config " + path);
  INFO("stdout:\n" << c.out << "stderr:\n" << c.err);
  CHECK(c.result.exit_code == 0);
  ::close(held);
}

TEST_CASE("sgdns check warns about a token others can read, and passes", "[integration][check]") {
  TempDir dir;
  std::string config = dir.write("sgdns.json", shipped_config().dump(2));
  std::string token = dir.write("open-token", "check-test-token-0123456789\n");
  REQUIRE(::chmod(token.c_str(), 0644) == 0);
  Checked c = check(dir, "--config " + config + " --admin-token-file " + token);
  INFO("stderr:\n" << c.err);
  CHECK(c.result.exit_code == 0);
  CHECK(c.err.find("sgdns check: warning: admin.token_file " + token + ": readable by group or others") !=
        std::string::npos);
}
