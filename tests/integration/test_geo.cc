// SPDX-License-Identifier: MIT
// Black-box checks of geo answers: EDNS Client Subnet (RFC 7871) and source-address location over the demo
// GeoIP databases, queried with kdig and with the raw test client, plus weighted splits, ECS trust and the
// configuration's load and reload errors.
#include <signal.h>

#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <thread>

#include "geo_setup.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

const std::string kWww = "www.geo.test.";

// A query with EDNS, and an ECS option for `ecs` when non-empty.
QueryOptions geo_query(const std::string& name, uint16_t type, const std::string& ecs = "",
                       uint16_t id = 0x5347) {
  QueryOptions q = make_query(name, type, true);
  q.id = id;
  if (!ecs.empty()) q.options.push_back(ecs_option(ecs));
  return q;
}

// The address and length of "ADDRESS/LENGTH" as the ECS option carries them (address truncated).
Bytes ecs_address_bytes(const std::string& cidr) {
  EdnsOption o = ecs_option(cidr);
  return Bytes(o.data.begin() + 4, o.data.end());
}

// What kdig printed: the status, the answer section's rdata by type, and the CLIENT-SUBNET line's value.
struct KdigReply {
  CommandResult run;
  std::string status;
  std::map<std::string, std::set<std::string>> answer;  // type -> rdata
  std::optional<std::string> client_subnet;             // e.g. "192.0.2.0/24/24"
};

KdigReply kdig(uint16_t port, const std::string& name, const std::string& type, const std::string& subnet,
               const std::string& bind = "", bool tcp = false) {
  std::string command = "kdig @127.0.0.1 -p " + std::to_string(port) + " +time=2 +retry=1 +edns";
  if (!subnet.empty()) command += " +subnet=" + subnet;
  if (!bind.empty()) command += " -b " + bind;
  if (tcp) command += " +tcp";
  command += " " + name + " " + type;
  KdigReply out;
  out.run = run_command(command, Millis(10000));
  std::istringstream in(out.run.output);
  bool in_answer = false;
  for (std::string line; std::getline(in, line);) {
    if (auto at = line.find("status: "); line.rfind(";; ->>HEADER<<-", 0) == 0 && at != std::string::npos) {
      std::string rest = line.substr(at + 8);
      out.status = rest.substr(0, rest.find(';'));
    } else if (line.rfind(";; CLIENT-SUBNET: ", 0) == 0) {
      out.client_subnet = line.substr(18);
    } else if (line == ";; ANSWER SECTION:") {
      in_answer = true;
    } else if (line.empty()) {
      in_answer = false;
    } else if (in_answer) {
      std::istringstream fields(line);
      std::string owner, ttl, klass, rtype, rdata;
      fields >> owner >> ttl >> klass >> rtype;
      std::getline(fields >> std::ws, rdata);
      out.answer[rtype].insert(rdata);
    }
  }
  return out;
}

std::string dig_type(uint16_t type) {
  return type == kTypeAAAA ? "AAAA" : "A";
}

struct Case {
  const char* where;
  std::string ecs;
  uint16_t type;
  std::set<std::string> expected;
  unsigned scope;
};

// Checks one ECS query both ways: the raw client (answer, AA, echoed option byte by byte) and kdig.
void check_ecs_case(const GeoServer& server, const Case& c) {
  INFO(c.where << ": " << dig_type(c.type) << " with ECS " << c.ecs);
  Reply r = ask(server.endpoint(), geo_query(kWww, c.type, c.ecs));
  INFO("reply:\n" << r.text);
  CHECK(r.rcode == kRcodeNoError);
  CHECK(r.aa);
  CHECK(answer_rdata(r, c.type) == c.expected);
  auto echo = ecs_echo(r);
  REQUIRE(echo.has_value());
  CHECK(echo->family == (c.ecs.find(':') != std::string::npos ? 2 : 1));
  CHECK(echo->source == static_cast<unsigned>(std::stoul(c.ecs.substr(c.ecs.find('/') + 1))));
  CHECK(echo->address == ecs_address_bytes(c.ecs));
  CHECK(echo->scope == c.scope);

  KdigReply k = kdig(server.port(), kWww, dig_type(c.type), c.ecs);
  INFO("kdig output:\n" << k.run.output);
  REQUIRE(k.run.exit_code == 0);
  CHECK(k.status == "NOERROR");
  CHECK(k.answer[dig_type(c.type)] == c.expected);
  REQUIRE(k.client_subnet.has_value());
  CHECK(*k.client_subnet == c.ecs + "/" + std::to_string(c.scope));
}

std::unique_ptr<GeoServer> start_geo(const GeoSetup& setup = default_geo_setup()) {
  auto server = std::make_unique<GeoServer>(setup);
  bool ready = server->wait_ready();
  INFO("sgdns stderr:\n" << server->log());
  REQUIRE(ready);
  return server;
}

}  // namespace

TEST_CASE("ECS from networks on six continents picks the region's pool and echoes the deciding prefix",
          "[integration][geo]") {
  auto server = start_geo();
  const std::vector<Case> cases{
      // Frankfurt and London are both EU: the merged /24 decides.
      {"Europe (Frankfurt + London)", "192.0.2.0/24", kTypeA, kEdgeEu4, 24},
      {"Europe (London half)", "192.0.2.128/25", kTypeA, kEdgeEu4, 24},
      {"Europe, AAAA", "192.0.2.0/24", kTypeAAAA, kEdgeEu6, 24},
      // Ashburn (us-east) and San Jose (US-CA -> us-west) differ: each /25 decides.
      {"North America (Ashburn)", "198.51.100.0/25", kTypeA, kEdgeUs4, 25},
      {"North America (San Jose, US-CA)", "198.51.100.128/25", kTypeA, kEdgeUsw4, 25},
      {"North America (San Jose), AAAA", "198.51.100.128/25", kTypeAAAA, kEdgeUsw6, 25},
      // Singapore, Sydney and Tokyo all map to ap-south: the whole /24 decides.
      {"Asia (Singapore + Sydney + Tokyo)", "203.0.113.0/24", kTypeA, kEdgeAp4, 24},
      {"Oceania (Sydney)", "203.0.113.128/26", kTypeA, kEdgeAp4, 24},
      {"South America (Sao Paulo)", "100.64.0.0/16", kTypeA, kEdgeUs4, 16},
      {"Africa (Johannesburg -> eu-west)", "100.65.0.0/16", kTypeA, kEdgeEu4, 16},
      {"Asia over IPv6 (Singapore)", "2001:db8:3::/48", kTypeAAAA, kEdgeAp6, 48},
      {"Asia over IPv6 (Singapore), A", "2001:db8:3::/48", kTypeA, kEdgeAp4, 48},
      {"Europe over IPv6 (Frankfurt)", "2001:db8:1::/48", kTypeAAAA, kEdgeEu6, 48},
  };
  for (const auto& c : cases) check_ecs_case(*server, c);
}

TEST_CASE("without ECS the resolver's source address locates the client and no ECS option is returned",
          "[integration][geo]") {
  auto server = start_geo();
  struct Source {
    const char* why;
    std::string address;
    std::set<std::string> a, aaaa;
  };
  const std::vector<Source> sources{
      {"127.0.1.0/24 is Frankfurt (EU)", "127.0.1.5", kEdgeEu4, kEdgeEu6},
      {"127.0.2.0/24 is Ashburn (NA)", "127.0.2.5", kEdgeUs4, kEdgeUs6},
      {"127.0.3.0/24 is Singapore (AS)", "127.0.3.5", kEdgeAp4, kEdgeAp6},
      {"127.0.4.0/24 is Sydney (OC)", "127.0.4.5", kEdgeAp4, kEdgeAp6},
      {"127.0.5.0/24 is Sao Paulo (SA)", "127.0.5.5", kEdgeUs4, kEdgeUs6},
      {"127.0.6.0/24 is AS64510, mapped to eu-west by ASN", "127.0.6.5", kEdgeEu4, kEdgeEu6},
      {"127.0.7.0/24 is mapped to us-west by CIDR", "127.0.7.5", kEdgeUsw4, kEdgeUsw6},
      {"127.0.0.1 has no location: the default region", "127.0.0.1", kEdgeUs4, kEdgeUs6},
  };
  for (const auto& s : sources) {
    INFO(s.why << " (source " << s.address << ")");
    for (uint16_t type : {kTypeA, kTypeAAAA}) {
      const auto& expected = type == kTypeA ? s.a : s.aaaa;
      INFO(dig_type(type));
      Endpoint from = server->endpoint(s.address);
      for (Transport t : {Transport::Udp, Transport::Tcp}) {
        INFO((t == Transport::Udp ? "UDP" : "TCP"));
        Reply r = ask(from, geo_query(kWww, type), t);
        INFO("reply:\n" << r.text);
        CHECK(r.rcode == kRcodeNoError);
        CHECK(r.has_opt);
        CHECK_FALSE(ecs_echo(r).has_value());
        CHECK(answer_rdata(r, type) == expected);
      }
      KdigReply k = kdig(server->port(), kWww, dig_type(type), "", s.address);
      INFO("kdig output:\n" << k.run.output);
      REQUIRE(k.run.exit_code == 0);
      CHECK(k.status == "NOERROR");
      CHECK_FALSE(k.client_subnet.has_value());
      CHECK(k.answer[dig_type(type)] == expected);
    }
  }
}

TEST_CASE("ECS with source prefix 0 answers from the default region with scope 0", "[integration][geo]") {
  auto server = start_geo();
  // From a Frankfurt source: RFC 7871 7.1.2 says no address information at all, so not the source either.
  for (const std::string ecs : {"0.0.0.0/0", "::/0"}) {
    INFO("ECS " << ecs);
    Reply r = ask(server->endpoint("127.0.1.5"), geo_query(kWww, kTypeA, ecs));
    INFO("reply:\n" << r.text);
    CHECK(answer_rdata(r, kTypeA) == kEdgeUs4);
    auto echo = ecs_echo(r);
    REQUIRE(echo.has_value());
    CHECK(echo->source == 0);
    CHECK(echo->scope == 0);
    CHECK(echo->address.empty());
  }
  KdigReply k = kdig(server->port(), kWww, "A", "0.0.0.0/0", "127.0.1.5");
  INFO("kdig output:\n" << k.run.output);
  REQUIRE(k.run.exit_code == 0);
  CHECK(k.answer["A"] == kEdgeUs4);
  REQUIRE(k.client_subnet.has_value());
  CHECK(*k.client_subnet == "0.0.0.0/0/0");
}

TEST_CASE("static answers echo ECS with scope 0", "[integration][geo]") {
  auto server = start_geo();
  struct Static {
    std::string name;
    uint16_t type;
  };
  for (const auto& s :
       {Static{"static.geo.test.", kTypeA}, Static{"geo.test.", kTypeSOA}, Static{"ns1.geo.test.", kTypeA}}) {
    for (const std::string ecs : {"192.0.2.0/24", "203.0.113.0/24", "2001:db8:1::/48"}) {
      INFO(s.name << " " << type_name(s.type) << " with ECS " << ecs);
      Reply r = ask(server->endpoint(), geo_query(s.name, s.type, ecs));
      INFO("reply:\n" << r.text);
      CHECK(r.rcode == kRcodeNoError);
      CHECK(r.answers_of(s.type).size() == 1);
      auto echo = ecs_echo(r);
      REQUIRE(echo.has_value());
      CHECK(echo->source == static_cast<unsigned>(std::stoul(ecs.substr(ecs.find('/') + 1))));
      CHECK(echo->scope == 0);
    }
  }
  Reply r = ask(server->endpoint(), geo_query("static.geo.test.", kTypeA, "192.0.2.0/24"));
  CHECK(answer_rdata(r, kTypeA) == std::set<std::string>{"192.0.2.90"});
  KdigReply k = kdig(server->port(), "static.geo.test.", "A", "198.51.100.0/25");
  INFO("kdig output:\n" << k.run.output);
  REQUIRE(k.run.exit_code == 0);
  CHECK(k.answer["A"] == std::set<std::string>{"192.0.2.90"});
  REQUIRE(k.client_subnet.has_value());
  CHECK(*k.client_subnet == "198.51.100.0/25/0");
}

TEST_CASE("a pool without IPv6 members leaves AAAA to the CDN CNAME", "[integration][geo]") {
  auto server = start_geo();
  for (const std::string ecs : {"192.0.2.0/24", "203.0.113.0/24"}) {
    INFO("ECS " << ecs);
    Reply a = ask(server->endpoint(), geo_query("video.geo.test.", kTypeA, ecs));
    INFO("A reply:\n" << a.text);
    CHECK(answer_rdata(a, kTypeA) == std::set<std::string>{"192.0.2.231"});
    CHECK(a.answers_of(kTypeCNAME).empty());
    Reply aaaa = ask(server->endpoint(), geo_query("video.geo.test.", kTypeAAAA, ecs));
    INFO("AAAA reply:\n" << aaaa.text);
    CHECK(aaaa.rcode == kRcodeNoError);
    CHECK(aaaa.aa);
    CHECK(answer_rdata(aaaa, kTypeCNAME) == std::set<std::string>{kCdnTarget});
    CHECK(aaaa.answers_of(kTypeAAAA).empty());
    CHECK(ecs_echo(aaaa).has_value());
  }
}

TEST_CASE("nearest ignores the ASN mapping that geo uses", "[integration][geo]") {
  auto server = start_geo();
  // 127.0.6.0/24 has an ASN but no location: geo maps it to eu-west by ASN; nearest has no coordinates and
  // falls back to the default region.
  Reply geo = ask(server->endpoint("127.0.6.5"), geo_query(kWww, kTypeA));
  CHECK(answer_rdata(geo, kTypeA) == kEdgeEu4);
  Reply nearest = ask(server->endpoint("127.0.6.5"), geo_query("ingest.geo.test.", kTypeA));
  INFO("reply:\n" << nearest.text);
  auto nearest_addresses = answer_rdata(nearest, kTypeA);
  REQUIRE(nearest_addresses.size() == 1);  // max_answers 1: one member drawn by weight
  CHECK(kEdgeUs4.count(*nearest_addresses.begin()) == 1);
  // Sydney by ECS: the nearest region is ap-south.
  Reply sydney = ask(server->endpoint(), geo_query("ingest.geo.test.", kTypeA, "203.0.113.128/26"));
  INFO("reply:\n" << sydney.text);
  auto sydney_addresses = answer_rdata(sydney, kTypeA);
  REQUIRE(sydney_addresses.size() == 1);
  CHECK(kEdgeAp4.count(*sydney_addresses.begin()) == 1);
}

TEST_CASE("a weighted record splits about 80/20 between its pools", "[integration][geo]") {
  auto server = start_geo();
  constexpr int kQueries = 2000, kWindow = 100;
  TcpConnection conn(server->endpoint(), Millis(2000));
  REQUIRE(conn.connected());
  int cdn = 0, edge = 0, other = 0;
  std::map<std::string, int> members;
  std::string first_odd;
  auto started = std::chrono::steady_clock::now();
  for (int base = 0; base < kQueries; base += kWindow) {
    // Pipelined (RFC 7766 6.2.1.1): a window of queries, then their replies in any order.
    Bytes batch;
    for (int i = base; i < base + kWindow; ++i) {
      Bytes frame =
          tcp_frame(build_query(geo_query("media.geo.test.", kTypeA, "", static_cast<uint16_t>(i + 1))));
      batch.insert(batch.end(), frame.begin(), frame.end());
    }
    REQUIRE(conn.send_raw(batch));
    for (int i = 0; i < kWindow; ++i) {
      auto wire = conn.read_message(Millis(3000));
      REQUIRE(wire.has_value());
      auto r = decode(*wire);
      REQUIRE(r.has_value());
      auto cnames = answer_rdata(*r, kTypeCNAME);
      auto addresses = answer_rdata(*r, kTypeA);
      if (cnames == std::set<std::string>{kCdnTarget} && addresses.empty()) {
        ++cdn;
      } else if (cnames.empty() && addresses.size() == 1 && kEdgeUs4.count(*addresses.begin())) {
        ++edge;
        ++members[*addresses.begin()];
      } else {
        ++other;
        if (first_odd.empty()) first_odd = r->text;
      }
    }
  }
  auto elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
  double cdn_share = static_cast<double>(cdn) / kQueries;
  INFO("cdn " << cdn << ", edge-us " << edge << " (" << members["198.51.100.201"] << " / "
              << members["198.51.100.202"] << "), other " << other << " in " << elapsed.count() << " ms\n"
              << first_odd);
  CHECK(other == 0);
  // 20 % of 2000 has a standard deviation of about 0.9 %; +-3.5 % is about four of them.
  CHECK(cdn_share > 0.165);
  CHECK(cdn_share < 0.235);
  // Within edge-us both members (equal weight, max_answers 1) are drawn.
  CHECK(members["198.51.100.201"] > edge / 4);
  CHECK(members["198.51.100.202"] > edge / 4);
}

TEST_CASE("ECS from a resolver outside ecs.trust is ignored", "[integration][geo]") {
  GeoSetup setup = default_geo_setup();
  setup.ecs_trust = R"(["192.0.2.53/32"])";
  auto server = start_geo(setup);
  struct Source {
    std::string address;
    std::set<std::string> expected;  // the source address's region, whatever the ECS says
  };
  for (const auto& s :
       {Source{"127.0.0.1", kEdgeUs4}, Source{"127.0.3.5", kEdgeAp4}, Source{"127.0.1.5", kEdgeEu4}}) {
    for (const std::string ecs : {"192.0.2.0/24", "203.0.113.0/24", "198.51.100.128/25"}) {
      INFO("from " << s.address << " with ECS " << ecs);
      Reply r = ask(server->endpoint(s.address), geo_query(kWww, kTypeA, ecs));
      INFO("reply:\n" << r.text);
      CHECK(answer_rdata(r, kTypeA) == s.expected);
      auto echo = ecs_echo(r);
      REQUIRE(echo.has_value());
      CHECK(echo->scope == 0);
    }
  }
  KdigReply k = kdig(server->port(), kWww, "A", "203.0.113.0/24");
  INFO("kdig output:\n" << k.run.output);
  REQUIRE(k.run.exit_code == 0);
  CHECK(k.answer["A"] == kEdgeUs4);
  REQUIRE(k.client_subnet.has_value());
  CHECK(*k.client_subnet == "203.0.113.0/24/0");
}

TEST_CASE("a record naming an unknown pool stops the start with one line naming its JSON path",
          "[integration][geo]") {
  GeoSetup setup = default_geo_setup();
  setup.www_pools = {"edge-eu", "edge-nowhere", "cdn"};
  GeoServer server(setup);
  auto status = server.server().wait_exit(Millis(5000));
  std::string log = server.log();
  INFO("stderr:\n" << log);
  REQUIRE(status.has_value());
  CHECK(*status != 0);
  CHECK(*status < 128);
  auto lines = nonempty_lines(log);
  CHECK(lines.size() == 1);
  CHECK(log.find("records.\"www.geo.test.\".pools[1]: no pool \"edge-nowhere\"") != std::string::npos);
}

TEST_CASE("SIGHUP: a broken configuration keeps the old answers; a changed pool member is answered",
          "[integration][geo]") {
  GeoSetup setup = default_geo_setup();
  auto server = start_geo(setup);
  auto eu_answer = [&] {
    Reply r = ask(server->endpoint(), geo_query(kWww, kTypeA, "192.0.2.0/24"));
    return answer_rdata(r, kTypeA);
  };
  REQUIRE(eu_answer() == kEdgeEu4);

  GeoSetup broken = setup;
  broken.www_pools = {"edge-eu", "edge-us", "edge-gone"};
  broken.edge_eu = {"192.0.2.221", "192.0.2.202", "2001:db8:5347:1::201"};  // must not be picked up
  server->write_config(broken);
  REQUIRE(server->server().signal(SIGHUP));
  bool logged = server->server().process().wait_for_log("records.\"www.geo.test.\".pools[2]", Millis(5000));
  {
    INFO("stderr:\n" << server->log());
    CHECK(logged);
    CHECK(server->log().find("no pool \"edge-gone\"") != std::string::npos);
    CHECK(server->server().process().running());
  }
  CHECK(eu_answer() == kEdgeEu4);
  Reply us = ask(server->endpoint("127.0.2.5"), geo_query(kWww, kTypeA));
  CHECK(answer_rdata(us, kTypeA) == kEdgeUs4);

  GeoSetup changed = setup;
  changed.edge_eu = {"192.0.2.221", "192.0.2.202", "2001:db8:5347:1::201"};
  server->write_config(changed);
  REQUIRE(server->server().signal(SIGHUP));
  const std::set<std::string> expected{"192.0.2.221", "192.0.2.202"};
  std::set<std::string> now;
  for (int i = 0; i < 100 && now != expected; ++i) {  // up to ~5 s
    std::this_thread::sleep_for(Millis(50));
    now = eu_answer();
  }
  INFO("stderr:\n" << server->log());
  CHECK(now == expected);
  // Other regions are unchanged, and the source-address path sees the new member too.
  Reply ap = ask(server->endpoint(), geo_query(kWww, kTypeA, "203.0.113.0/24"));
  CHECK(answer_rdata(ap, kTypeA) == kEdgeAp4);
  Reply eu_source = ask(server->endpoint("127.0.1.5"), geo_query(kWww, kTypeA));
  CHECK(answer_rdata(eu_source, kTypeA) == expected);
  CHECK(server->server().process().running());
}
