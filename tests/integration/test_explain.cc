// SPDX-License-Identifier: MIT
// `sgdns explain`: the engine's trace of a dynamic answer as JSON (client, region rule, pools and why each
// was skipped, the planned reply and ECS scope, the GeoIP record as information), run as a command
// against a generated geo configuration.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "geo_setup.h"
#include "test_helpers.h"

using namespace sgdns::test;
using json = nlohmann::json;

namespace {

struct Explained {
  CommandResult run;
  std::string stdout_text, stderr_text;
  json doc;  // null when stdout is not JSON
};

// A configuration and zone in a scratch directory, and `sgdns explain` against them.
class ExplainBed {
 public:
  explicit ExplainBed(const GeoSetup& setup = default_geo_setup()) {
    dir_.write("geo.test.zone", geo_zone());
    config_ = dir_.write("sgdns.json", geo_config(setup));
  }

  // Runs `sgdns explain --config FILE ARGS`, stdout and stderr kept apart.
  Explained explain(const std::string& args) const {
    std::string out = dir_.file("explain.out"), err = dir_.file("explain.err");
    Explained e;
    e.run =
        run_command(sgdns_binary() + " explain --config " + config_ + " " + args + " >" + out + " 2>" + err,
                    Millis(15000));
    e.stdout_text = read_file(out);
    e.stderr_text = read_file(err);
    e.doc = json::parse(e.stdout_text, nullptr, /*allow_exceptions=*/false);
    if (e.doc.is_discarded()) e.doc = nullptr;
    return e;
  }

  const std::string& config() const { return config_; }

 private:
  TempDir dir_;
  std::string config_;
};

// The rdata of the answer lines ("owner\tTTL\tIN\tTYPE\tRDATA") of one type.
std::set<std::string> reply_rdata(const json& reply, const std::string& type) {
  std::set<std::string> out;
  if (!reply.is_object() || !reply.contains("answer")) return out;
  for (const auto& line : reply["answer"]) {
    std::istringstream fields(line.get<std::string>());
    std::string owner, ttl, klass, rtype, rdata;
    fields >> owner >> ttl >> klass >> rtype >> rdata;
    if (rtype == type) out.insert(rdata);
  }
  return out;
}

std::set<std::string> pool_members(const json& pool) {
  std::set<std::string> out;
  if (pool.contains("members"))
    for (const auto& m : pool["members"]) out.insert(m["address"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("explain: ECS from Frankfurt is eu-west by continent, scope 24, answered from edge-eu",
          "[integration][geo]") {
  ExplainBed bed;
  Explained e = bed.explain("--client 127.0.0.1 --ecs 192.0.2.0/24 www.geo.test. A");
  INFO("exit " << e.run.exit_code << "\nstdout:\n" << e.stdout_text << "\nstderr:\n" << e.stderr_text);
  REQUIRE(e.run.exit_code == 0);
  REQUIRE(e.doc.is_object());
  const json& j = e.doc;

  CHECK(j["query"]["name"] == "www.geo.test.");
  CHECK(j["query"]["type"] == "A");
  CHECK(j["client"]["address"] == "127.0.0.1");
  CHECK(j["client"]["ecs"] == "192.0.2.0/24");
  CHECK(j["client"]["ecs_used"] == true);
  CHECK(j["client"]["located_address"] == "192.0.2.0");

  CHECK(j["reply"]["rcode"] == "NOERROR");
  CHECK(j["reply"]["authoritative"] == true);
  CHECK(reply_rdata(j["reply"], "A") == kEdgeEu4);
  CHECK(j["reply"]["authority"].empty());
  CHECK(j["ecs_scope"] == 24);

  CHECK(j["record"]["name"] == "www.geo.test.");
  CHECK(j["record"]["policy"] == "geo");
  CHECK(j["record"]["ttl"] == 20);
  CHECK(j["record"]["max_answers"] == 2);
  CHECK(j["record"]["fail_open"] == true);

  CHECK(j["region"]["rule"] == "continent");
  CHECK(j["region"]["matched"] == "EU");
  CHECK(j["region"]["region"] == "eu-west");
  CHECK_FALSE(j["region"].contains("compiled_map_says"));

  const json& net = j["network"];
  CHECK(net["database"] == source_path("geoip/sgdns-demo-city.mmdb"));
  CHECK(net["prefix_length"] == 25);  // the database's own network, 192.0.2.0/25 (Frankfurt)
  CHECK(net["location"]["continent"] == "EU");
  CHECK(net["location"]["country"] == "DE");
  CHECK(net["location"]["city"] == "Frankfurt");
  CHECK(net["asn"] == 64500);

  // The region's pools first, in the record's order, then the fallback regions', then the CDN.
  REQUIRE(j["pools"].is_array());
  REQUIRE(j["pools"].size() == 5);
  CHECK(j["pools"][0]["pool"] == "edge-eu");
  CHECK(j["pools"][0]["region"] == "eu-west");
  CHECK(pool_members(j["pools"][0]) ==
        std::set<std::string>{"192.0.2.201", "192.0.2.202", "2001:db8:5347:1::201"});
  for (const auto& m : j["pools"][0]["members"]) CHECK(m["state"] == "up");
  CHECK(j["pools"][4]["pool"] == "cdn");
  CHECK(j["pools"][4]["region"].is_null());
  CHECK(j["pools"][4]["cname"] == kCdnTarget);
  // The engine's own trace: which pool answered, why the others did not, which members were candidates.
  CHECK(j["pools"][0]["verdict"] == "answered");
  for (std::size_t i = 1; i < 5; ++i)
    CHECK(j["pools"][i]["verdict"] == "not reached: an earlier pool answered");
  for (const auto& m : j["pools"][0]["members"])
    CHECK(m.contains("skipped") == (m["address"].get<std::string>().find(':') != std::string::npos));
  CHECK(j["chosen"] == "edge-eu");
  CHECK(j["fail_open"] == false);
  CHECK(j["region"]["from_ecs"] == true);
  CHECK(j["region"]["decided_by_prefix_length"] == 24);
}

TEST_CASE("explain: the rule that picks the region, for each kind of client", "[integration][geo]") {
  ExplainBed bed;
  struct Case {
    const char* why;
    std::string args;
    std::string rule;
    std::string region;
    std::set<std::string> answer;
    json scope;  // null: no ECS in the query, so none in the reply
  };
  const std::vector<Case> cases{
      {"no location, no ECS", "--client 127.0.0.1 www.geo.test. A", "default", "us-east", kEdgeUs4, nullptr},
      {"a CIDR mapping", "--client 127.0.7.9 www.geo.test. A", "cidr", "us-west", kEdgeUsw4, nullptr},
      {"an ASN mapping", "--client 127.0.6.9 www.geo.test. A", "asn", "eu-west", kEdgeEu4, nullptr},
      {"a subdivision (US-CA)", "--client 127.0.0.1 --ecs 198.51.100.128/25 www.geo.test. A", "subdivision",
       "us-west", kEdgeUsw4, 25},
      {"a continent over IPv6", "--client ::1 --ecs 2001:db8:3::/48 www.geo.test. AAAA", "continent",
       "ap-south", kEdgeAp6, 48},
      {"ECS source prefix 0", "--client 127.0.1.5 --ecs 0.0.0.0/0 www.geo.test. A", "default", "us-east",
       kEdgeUs4, 0},
      {"the source address (Singapore)", "--client 127.0.3.5 www.geo.test. A", "continent", "ap-south",
       kEdgeAp4, nullptr},
  };
  for (const auto& c : cases) {
    Explained e = bed.explain(c.args);
    INFO(c.why << ": " << c.args << "\nexit " << e.run.exit_code << "\nstdout:\n"
               << e.stdout_text << "\nstderr:\n"
               << e.stderr_text);
    REQUIRE(e.run.exit_code == 0);
    REQUIRE(e.doc.is_object());
    CHECK(e.doc["region"]["rule"] == c.rule);
    CHECK(e.doc["region"]["region"] == c.region);
    CHECK_FALSE(e.doc["region"].contains("compiled_map_says"));
    std::string type = c.args.substr(c.args.rfind(' ') + 1);
    CHECK(reply_rdata(e.doc["reply"], type) == c.answer);
    CHECK(e.doc["ecs_scope"] == c.scope);
  }
  // The CIDR rule names the configured prefix; the ASN rule the number.
  CHECK(bed.explain("--client 127.0.7.9 www.geo.test. A").doc["region"]["matched"] == "127.0.7.0/24");
  CHECK(bed.explain("--client 127.0.6.9 www.geo.test. A").doc["region"]["matched"] == 64510);
}

TEST_CASE("explain: untrusted ECS and static names", "[integration][geo]") {
  GeoSetup setup = default_geo_setup();
  setup.ecs_trust = R"(["192.0.2.53/32"])";
  ExplainBed bed(setup);
  Explained e = bed.explain("--client 127.0.3.5 --ecs 192.0.2.0/24 www.geo.test. A");
  INFO("stdout:\n" << e.stdout_text << "\nstderr:\n" << e.stderr_text);
  REQUIRE(e.run.exit_code == 0);
  REQUIRE(e.doc.is_object());
  CHECK(e.doc["client"]["ecs_used"] == false);
  CHECK(e.doc["client"]["located_address"] == "127.0.3.5");
  CHECK(e.doc["region"]["region"] == "ap-south");
  CHECK(reply_rdata(e.doc["reply"], "A") == kEdgeAp4);
  CHECK(e.doc["ecs_scope"] == 0);

  Explained trusted = bed.explain("--client 192.0.2.53 --ecs 192.0.2.0/24 www.geo.test. A");
  INFO("stdout:\n" << trusted.stdout_text);
  REQUIRE(trusted.doc.is_object());
  CHECK(trusted.doc["client"]["ecs_used"] == true);
  CHECK(trusted.doc["region"]["region"] == "eu-west");
  CHECK(trusted.doc["ecs_scope"] == 24);

  Explained fixed = bed.explain("--client 127.0.0.1 --ecs 192.0.2.0/24 static.geo.test. A");
  INFO("stdout:\n" << fixed.stdout_text);
  REQUIRE(fixed.run.exit_code == 0);
  REQUIRE(fixed.doc.is_object());
  CHECK(fixed.doc["record"].is_null());
  CHECK(reply_rdata(fixed.doc["reply"], "A") == std::set<std::string>{"192.0.2.90"});
  CHECK(fixed.doc["ecs_scope"] == 0);
}

TEST_CASE("explain: bad input exits non-zero with one line on stderr and nothing on stdout",
          "[integration][geo]") {
  ExplainBed bed;
  struct Case {
    std::string args;
    std::string needle;  // what the line must mention
  };
  const std::vector<Case> cases{
      {"--client 127.0.0.1 --ecs 192.0.2.0/33 www.geo.test. A", "ecs"},
      {"--client 127.0.0.1 --ecs banana www.geo.test. A", "ecs"},
      {"--client 127.0.0.1 --ecs 192.0.2.1/24 www.geo.test. A", "ecs"},  // host bits past the prefix
      {"--client not-an-address www.geo.test. A", "client"},
      {"--client 127.0.0.1 www.geo.test. NOSUCHTYPE", "type"},
      {"--client 127.0.0.1 --ecs", "--ecs"},
      {"--client 127.0.0.1", "usage"},
  };
  for (const auto& c : cases) {
    Explained e = bed.explain(c.args);
    INFO(c.args << "\nexit " << e.run.exit_code << "\nstdout:\n"
                << e.stdout_text << "\nstderr:\n"
                << e.stderr_text);
    CHECK_FALSE(e.run.timed_out);
    CHECK(e.run.exit_code != 0);
    CHECK(e.run.exit_code < 128);  // an orderly exit, not a crash
    CHECK(nonempty_lines(e.stderr_text).size() == 1);
    CHECK(e.stderr_text.find(c.needle) != std::string::npos);
    CHECK(e.stdout_text.empty());
  }
  // A configuration that does not load: one line naming the JSON path.
  GeoSetup broken = default_geo_setup();
  broken.www_pools = {"edge-eu", "edge-nowhere"};
  ExplainBed broken_bed(broken);
  Explained e = broken_bed.explain("--client 127.0.0.1 www.geo.test. A");
  INFO("stderr:\n" << e.stderr_text);
  CHECK(e.run.exit_code != 0);
  CHECK(e.run.exit_code < 128);
  CHECK(nonempty_lines(e.stderr_text).size() == 1);
  CHECK(e.stderr_text.find("records.\"www.geo.test.\".pools[1]: no pool \"edge-nowhere\"") !=
        std::string::npos);
}
