// SPDX-License-Identifier: MIT
// Black-box checks of sgdns answers through real sockets: kdig, IPv6, NSID, CHAOS and the RFC 1034 answer
// kinds.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

bool has_rrset(const std::set<RRset>& section, const std::string& owner, uint16_t type) {
  for (const auto& s : section)
    if (s.owner == owner && s.type == type) return true;
  return false;
}

std::string kdig(uint16_t port, const std::string& args, const std::string& host = "127.0.0.1") {
  auto result = run_command(
      "kdig @" + host + " -p " + std::to_string(port) + " +norec +time=2 +retry=1 " + args, Millis(10000));
  INFO("kdig output:\n" << result.output);
  REQUIRE_FALSE(result.timed_out);
  REQUIRE(result.exit_code == 0);
  return result.output;
}

}  // namespace

TEST_CASE("kdig gets an authoritative answer over UDP and TCP", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  for (const char* transport : {"+notcp", "+tcp"}) {
    std::string out = kdig(zone.server->port(), std::string(transport) + " www.it.test A");
    INFO(out);
    CHECK(out.find("status: NOERROR") != std::string::npos);
    CHECK(out.find("Flags: qr aa") != std::string::npos);
    CHECK(out.find("192.0.2.80") != std::string::npos);
  }
}

TEST_CASE("sgdns answers on IPv6 [::1]", "[integration]") {
  TempDir dir;
  std::string zone_path = dir.write("it.test.zone", integration_zone());
  uint16_t port = free_port();
  ServerProcess server({"--listen", "[::1]:" + std::to_string(port), "--zone", "it.test.=" + zone_path},
                       false);
  // ServerProcess picked its own port for 127.0.0.1; poll the IPv6 one we asked for instead.
  bool ready = wait_until_answers(server.process(), "::1", port, "it.test.");
  INFO("stderr:\n" << server.stderr_text());
  REQUIRE(ready);
  Reply udp = ask(Endpoint("::1", port), make_query("www.it.test", kTypeAAAA));
  CHECK(udp.rcode == kRcodeNoError);
  CHECK(udp.aa);
  CHECK(has_rrset(udp.answer, "www.it.test.", kTypeAAAA));
  Reply tcp = ask(Endpoint("::1", port), make_query("www.it.test", kTypeA), Transport::Tcp);
  CHECK(tcp.rcode == kRcodeNoError);
  CHECK(has_rrset(tcp.answer, "www.it.test.", kTypeA));
  CHECK(kdig(port, "www.it.test A", "::1").find("192.0.2.80") != std::string::npos);
}

TEST_CASE("NSID is returned to kdig +nsid and to a raw EDNS query", "[integration]") {
  ServedZone zone("it.test.", integration_zone(), {"--nsid", "sgdns-test-1"});
  std::string out = kdig(zone.server->port(), "+nsid www.it.test A");
  CHECK(out.find("sgdns-test-1") != std::string::npos);

  QueryOptions q = make_query("www.it.test", kTypeA, true);
  q.options.push_back({kOptionNsid, {}});
  Reply r = zone.ask(q);
  REQUIRE(r.nsid().has_value());
  CHECK(*r.nsid() == "sgdns-test-1");
  // NSID only when asked for (RFC 5001 3).
  CHECK_FALSE(zone.ask(make_query("www.it.test", kTypeA, true)).nsid().has_value());
}

TEST_CASE("RFC 1034 answer kinds through the socket", "[integration]") {
  ServedZone zone("it.test.", integration_zone());

  SECTION("SOA at the apex") {
    Reply r = zone.ask(make_query("it.test", kTypeSOA));
    CHECK(r.qr);
    CHECK(r.aa);
    CHECK(r.rcode == kRcodeNoError);
    REQUIRE(r.answers_of(kTypeSOA).size() == 1);
    CHECK(r.answers_of(kTypeSOA)[0].ttl == 3600);
  }
  SECTION("NXDOMAIN with the SOA in authority, TTL = min(SOA TTL, minimum)") {
    Reply r = zone.ask(make_query("missing.it.test", kTypeA));
    INFO(r.text);
    CHECK(r.rcode == kRcodeNxDomain);
    CHECK(r.aa);
    CHECK(r.answer.empty());
    REQUIRE(r.authority.size() == 1);
    CHECK(r.authority.begin()->type == kTypeSOA);
    CHECK(r.authority.begin()->ttl == 600);
  }
  SECTION("NODATA: NOERROR, empty answer, SOA in authority") {
    Reply r = zone.ask(make_query("www.it.test", kTypeMX));
    INFO(r.text);
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.aa);
    CHECK(r.answer.empty());
    REQUIRE(r.authority.size() == 1);
    CHECK(r.authority.begin()->type == kTypeSOA);
    CHECK(r.authority.begin()->ttl == 600);
  }
  SECTION("referral: AA clear, NS in authority, glue in additional") {
    Reply r = zone.ask(make_query("host.deleg.it.test", kTypeA));
    INFO(r.text);
    CHECK(r.rcode == kRcodeNoError);
    CHECK_FALSE(r.aa);
    CHECK(r.answer.empty());
    CHECK(has_rrset(r.authority, "deleg.it.test.", kTypeNS));
    CHECK(has_rrset(r.additional, "ns1.deleg.it.test.", kTypeA));
  }
  SECTION("wildcard synthesis keeps the query name") {
    Reply r = zone.ask(make_query("anything.wild.it.test", kTypeA));
    INFO(r.text);
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.aa);
    REQUIRE(r.answers_of(kTypeA).size() == 1);
    CHECK(r.answers_of(kTypeA)[0].owner == "anything.wild.it.test.");
    CHECK(r.answers_of(kTypeA)[0].rdata == std::vector<std::string>{"192.0.2.200"});
  }
  SECTION("CNAME followed inside the zone") {
    Reply r = zone.ask(make_query("alias.it.test", kTypeA));
    INFO(r.text);
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.aa);
    CHECK(has_rrset(r.answer, "alias.it.test.", kTypeCNAME));
    CHECK(has_rrset(r.answer, "www.it.test.", kTypeA));
  }
  SECTION("REFUSED outside the served zones") {
    Reply r = zone.ask(make_query("www.example.org", kTypeA));
    CHECK(r.rcode == kRcodeRefused);
    CHECK_FALSE(r.aa);
    CHECK(r.answer.empty());
  }
  SECTION("minimal ANY: a single RRset (RFC 8482)") {
    Reply r = zone.ask(make_query("www.it.test", kTypeANY));
    INFO(r.text);
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.answer.size() == 1);
  }
  SECTION("mixed-case query names match") {
    Reply r = zone.ask(make_query("WwW.It.TeSt", kTypeA));
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.aa);
    CHECK(r.answers_of(kTypeA).size() == 1);
  }
}

TEST_CASE("CH TXT version.bind / id.server are answered unless --no-chaos", "[integration]") {
  QueryOptions version = make_query("version.bind", kTypeTXT);
  version.klass = kClassCH;
  QueryOptions id = version;
  id.name = "id.server";
  {
    // id.server reports the --nsid text; without one there is nothing to report, so it is set here.
    ServedZone zone("it.test.", integration_zone(), {"--nsid", "chaos-id"});
    Reply r = zone.ask(version);
    INFO(r.text);
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.answer.size() == 1);
    Reply ri = zone.ask(id);
    INFO(ri.text);
    CHECK(ri.rcode == kRcodeNoError);
    REQUIRE(ri.answers_of(kTypeTXT).size() == 1);
    CHECK(ri.answers_of(kTypeTXT)[0].rdata == std::vector<std::string>{"\"chaos-id\""});
  }
  {
    // Without an identity or NSID, id.server and hostname.bind are REFUSED: the host name is the machine's
    // internal name and is never given out by default (BIND and Knot do give it).
    ServedZone zone("it.test.", integration_zone(), {});
    QueryOptions hostname = id;
    hostname.name = "hostname.bind";
    char host[256] = {};
    REQUIRE(gethostname(host, sizeof host - 1) == 0);
    for (const auto& q : {id, hostname}) {
      Reply ri = zone.ask(q);
      INFO(ri.text);
      CHECK(ri.rcode == kRcodeRefused);
      CHECK(ri.answer.empty());
      CHECK(ri.text.find(host) == std::string::npos);
    }
  }
  {
    ServedZone zone("it.test.", integration_zone(), {"--no-chaos", "--nsid", "chaos-id"});
    for (const auto& q : {version, id}) {
      Reply r = zone.ask(q);
      INFO(r.text);
      CHECK(r.rcode == kRcodeRefused);
      CHECK(r.answer.empty());
    }
  }
}
