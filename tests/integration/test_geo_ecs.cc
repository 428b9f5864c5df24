// SPDX-License-Identifier: MIT
// Geo answers through real sockets: kdig +subnet from five continents, the source address without ECS,
// ECS scope echoes, and unbound's subnetcache in front as a real resolver.
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

const std::string kZone = R"($ORIGIN geo.test.
$TTL 300
@     SOA ns1 hostmaster 1 7200 3600 1209600 60
      NS  ns1
ns1   A   192.0.2.53
www   TXT "static beside dynamic"
)";

/// The demo GeoIP data with one pool per region; www is a geo record answering two addresses.
std::string geo_config(const TempDir& dir, const std::string& ecs_trust = "\"all\"") {
  dir.write("geo.test.zone", kZone);
  const std::string geoip = std::string(SGDNS_SOURCE_DIR) + "/geoip/";
  return dir.write("sgdns.json", R"({
  "zones": [{"origin": "geo.test.", "file": "geo.test.zone"}],
  "geoip": {"databases": [")" + geoip +
                                     R"(sgdns-demo-city.mmdb", ")" + geoip + R"(sgdns-demo-asn.mmdb"]},
  "ecs": {"trust": )" + ecs_trust + R"(},
  "default_region": "us-east",
  "regions": {
    "eu-west":  {"location": [50.11, 8.68],    "continents": ["EU", "AF"], "asns": [64510]},
    "us-east":  {"location": [39.04, -77.49],  "continents": ["NA", "SA"]},
    "us-west":  {"location": [37.34, -121.89], "subdivisions": ["US-CA"], "cidrs": ["127.0.7.0/24"]},
    "ap-south": {"location": [1.35, 103.82],   "continents": ["AS", "OC"]}
  },
  "pools": {
    "edge-eu":  {"region": "eu-west",  "members": ["192.0.2.201", "2001:db8:1::201"]},
    "edge-us":  {"region": "us-east",  "members": ["198.51.100.201", "2001:db8:2::201"]},
    "edge-usw": {"region": "us-west",  "members": ["198.51.100.211"]},
    "edge-ap":  {"region": "ap-south", "members": ["203.0.113.201", "2001:db8:3::201"]}
  },
  "records": {"www.geo.test.": {"ttl": 20, "policy": "geo", "pools": ["edge-eu", "edge-us", "edge-usw", "edge-ap"]}}
})");
}

struct GeoServer {
  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  explicit GeoServer(const std::string& ecs_trust = "\"all\"") {
    std::string cfg = geo_config(dir, ecs_trust);
    server = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", cfg});
    REQUIRE(server->wait_ready("geo.test."));
  }
  Endpoint at(const std::string& bind = "") const { return Endpoint("127.0.0.1", server->port(), bind); }
};

/// ECS option data for ADDRESS/LENGTH (RFC 7871 section 6).
EdnsOption ecs(const std::string& cidr) {
  auto slash = cidr.find('/');
  std::string host = cidr.substr(0, slash);
  int length = std::stoi(cidr.substr(slash + 1));
  std::uint8_t addr[16] = {};
  bool v4 = inet_pton(AF_INET, host.c_str(), addr) == 1;
  if (!v4) REQUIRE(inet_pton(AF_INET6, host.c_str(), addr) == 1);
  EdnsOption o{8, {0, static_cast<std::uint8_t>(v4 ? 1 : 2), static_cast<std::uint8_t>(length), 0}};
  o.data.insert(o.data.end(), addr, addr + (length + 7) / 8);
  return o;
}

std::string first_address(const Reply& r, std::uint16_t type = kTypeA) {
  auto sets = r.answers_of(type);
  return sets.empty() || sets[0].rdata.empty() ? "" : sets[0].rdata[0];
}

/// The scope prefix length of the reply's ECS option, or -1 without one.
int scope_of(const Reply& r) {
  for (const auto& o : r.options) {
    if (o.code == 8 && o.data.size() >= 4) return o.data[3];
  }
  return -1;
}

Reply ask_ecs(const Endpoint& to, const std::string& cidr, std::uint16_t type = kTypeA) {
  QueryOptions q = make_query("www.geo.test", type, true);
  q.options.push_back(ecs(cidr));
  return ask(to, q);
}

/// A query as a stub resolver sends it to a recursive resolver: RD set, EDNS on.
QueryOptions recursive(const std::string& name) {
  QueryOptions q = make_query(name, kTypeA, true);
  q.rd = true;
  return q;
}

}  // namespace

TEST_CASE("kdig +subnet from five continents gets each region's edge and the deciding scope",
          "[integration][geo]") {
  GeoServer geo;
  struct Case {
    const char* subnet;
    const char* address;
    int scope;
  };
  for (const Case& c : {Case{"192.0.2.0/24", "192.0.2.201", 24},          // Europe (DE and GB merge)
                        Case{"198.51.100.0/25", "198.51.100.201", 25},    // North America (Ashburn)
                        Case{"198.51.100.128/25", "198.51.100.211", 25},  // US-CA: subdivision mapping
                        Case{"203.0.113.0/24", "203.0.113.201", 24},      // Asia and Oceania merge
                        Case{"100.64.0.0/16", "198.51.100.201", 16},      // South America
                        Case{"100.65.0.0/16", "192.0.2.201", 16},         // Africa
                        Case{"2001:db8:3::/48", "203.0.113.201", 48}}) {  // IPv6 Singapore
    INFO(c.subnet);
    auto out = run_command("kdig @127.0.0.1 -p " + std::to_string(geo.server->port()) +
                           " www.geo.test A +subnet=" + c.subnet + " +timeout=2 +retry=1");
    CHECK(out.output.find(c.address) != std::string::npos);
    Reply r = ask_ecs(geo.at(), c.subnet);
    CHECK(r.aa);
    CHECK(first_address(r) == c.address);
    CHECK(scope_of(r) == c.scope);
  }
  Reply v6 = ask_ecs(geo.at(), "2001:db8:1::/48", kTypeAAAA);
  CHECK(first_address(v6, kTypeAAAA) == "2001:db8:1::201");
  Reply none = ask_ecs(geo.at(), "0.0.0.0/0");  // source prefix 0: no address information at all
  CHECK(first_address(none) == "198.51.100.201");
  CHECK(scope_of(none) == 0);
  Reply txt = ask_ecs(geo.at(), "192.0.2.0/24", kTypeTXT);  // static data: scope 0
  CHECK(txt.answers_of(kTypeTXT).size() == 1);
  CHECK(scope_of(txt) == 0);
}

TEST_CASE("without ECS the resolver's own address locates the client", "[integration][geo]") {
  GeoServer geo;
  struct Case {
    const char* source;
    const char* address;
  };
  for (const Case& c : {Case{"127.0.1.5", "192.0.2.201"},        // Frankfurt
                        Case{"127.0.2.5", "198.51.100.201"},     // Ashburn
                        Case{"127.0.3.5", "203.0.113.201"},      // Singapore
                        Case{"127.0.6.5", "192.0.2.201"},        // AS64510, mapped by ASN
                        Case{"127.0.7.5", "198.51.100.211"},     // a CIDR mapping
                        Case{"127.0.0.1", "198.51.100.201"}}) {  // no location: the default region
    INFO(c.source);
    Reply r = ask(geo.at(c.source), make_query("www.geo.test", kTypeA, true));
    CHECK(first_address(r) == c.address);
    CHECK(scope_of(r) == -1);  // no ECS asked, none echoed
    auto out = run_command(std::string("kdig @127.0.0.1 -p ") + std::to_string(geo.server->port()) + " -b " +
                           c.source + " www.geo.test A +short +timeout=2 +retry=1");
    CHECK(out.output.find(c.address) != std::string::npos);
  }
}

TEST_CASE("ECS from an untrusted resolver is ignored and echoed with scope 0", "[integration][geo]") {
  GeoServer geo("[\"192.0.2.53/32\"]");
  Reply r = ask_ecs(geo.at("127.0.3.9"), "192.0.2.0/24");
  CHECK(first_address(r) == "203.0.113.201");  // located by the resolver (Singapore), not the ECS (Europe)
  CHECK(scope_of(r) == 0);
}

TEST_CASE("unbound with subnetcache in front gives clients of two networks their own answers",
          "[integration][geo]") {
  REQUIRE(access("/usr/sbin/unbound", X_OK) == 0);
  GeoServer geo;
  TempDir dir;
  std::uint16_t port = free_port();
  std::string conf = dir.write(
      "unbound.conf",
      "server:\n  interface: 127.0.0.1\n  port: " + std::to_string(port) +
          "\n  access-control: 127.0.0.0/8 allow\n  do-not-query-localhost: no\n  module-config: "
          "\"subnetcache iterator\"\n"
          "  send-client-subnet: 127.0.0.1\n  client-subnet-always-forward: yes\n  max-client-subnet-ipv4: "
          "24\n"
          "  username: \"\"\n  chroot: \"\"\n  directory: \"" +
          dir.path() + "\"\n  pidfile: \"" + dir.file("unbound.pid") +
          "\"\n  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  num-threads: 1\n  so-reuseport: no\n  "
          "do-ip6: no\n"
          "  target-fetch-policy: \"0 0 0 0 0\"\n  harden-referral-path: no\n  qname-minimisation: no\n"
          // test. is one of unbound's built-in empty zones (RFC 6761); let it resolve ours.
          "  local-zone: \"test.\" nodefault\n"
          "stub-zone:\n  name: \"geo.test.\"\n  stub-addr: 127.0.0.1@" +
          std::to_string(geo.server->port()) + "\n");
  Process unbound({"/usr/sbin/unbound", "-d", "-c", conf}, dir.file("unbound.log"));
  Endpoint eu("127.0.0.1", port, "127.0.1.5"), ap("127.0.0.1", port, "127.0.3.5");
  std::optional<Reply> first_eu;
  for (int i = 0; i < 50 && !first_eu; ++i) {
    auto wire = exchange(eu, build_query(recursive("www.geo.test")), Transport::Udp, Millis(500));
    if (wire) first_eu = decode(*wire);
    if (!first_eu) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(unbound.log());
  REQUIRE(first_eu);
  INFO(first_eu->text);
  CHECK(first_address(*first_eu) == "192.0.2.201");
  Reply first_ap = ask(ap, recursive("www.geo.test"));
  CHECK(first_address(first_ap) == "203.0.113.201");
  // Asked again, each client gets its own cached answer, not the other network's.
  CHECK(first_address(ask(eu, recursive("www.geo.test"))) == "192.0.2.201");
  CHECK(first_address(ask(ap, recursive("www.geo.test"))) == "203.0.113.201");
}

TEST_CASE("sgdns explain reports the network, region, rule, pools, answer and scope", "[integration][geo]") {
  TempDir dir;
  std::string cfg = geo_config(dir);
  auto run = [&](const std::string& args) {
    return run_command(sgdns_binary() + " explain --config " + cfg + " " + args + " 2>&1");
  };
  auto out = run("--client 127.0.0.1 --ecs 192.0.2.0/24 www.geo.test A");
  REQUIRE(out.exit_code == 0);
  auto j = nlohmann::json::parse(out.output);
  CHECK(j["region"]["region"] == "eu-west");
  CHECK(j["region"]["rule"] == "continent");
  CHECK(j["ecs_scope"] == 24);
  CHECK(j["network"]["location"]["country"] == "DE");
  CHECK(j["reply"]["answer"][0].get<std::string>().find("192.0.2.201") != std::string::npos);
  CHECK(j["pools"][0]["pool"] == "edge-eu");
  auto cidr = nlohmann::json::parse(run("--client 127.0.7.9 www.geo.test A").output);
  CHECK(cidr["region"]["rule"] == "cidr");
  CHECK(cidr["region"]["region"] == "us-west");
  auto nowhere = nlohmann::json::parse(run("--client 127.0.0.1 www.geo.test A").output);
  CHECK(nowhere["region"]["rule"] == "default");
  auto bad = run("--client 127.0.0.1 --ecs 192.0.2.1/33 www.geo.test A");
  CHECK(bad.exit_code != 0);
  CHECK(bad.output.find("ecs:") != std::string::npos);
  CHECK(std::count(bad.output.begin(), bad.output.end(), '\n') == 1);
}
