// SPDX-License-Identifier: MIT
// sgdns behind a real recursive resolver: Debian's unbound with the subnetcache module sends EDNS Client
// Subnet for each client's /24, and caches sgdns's answers per subnet (the scope sgdns echoes).
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "geo_setup.h"
#include "test_helpers.h"
#include "unbound_server.h"

using namespace sgdns::test;

namespace {

const std::string kWww = "www.geo.test.";

// A query as a stub resolver sends it to a recursive resolver: RD set, EDNS on, no ECS.
QueryOptions recursive(const std::string& name, uint16_t type = kTypeA) {
  QueryOptions q = make_query(name, type, true);
  q.rd = true;
  return q;
}

struct Answer {
  std::set<std::string> addresses;
  uint32_t ttl = 0;
  std::string text;
};

// Asks unbound from a client bound to `source`.
Answer ask_resolver(const UnboundServer& unbound, const std::string& source, uint16_t type = kTypeA) {
  INFO("client " << source << ", " << type_name(type) << "; unbound log:\n" << unbound.log());
  Reply r =
      ask(Endpoint("127.0.0.1", unbound.port(), source), recursive(kWww, type), Transport::Udp, Millis(3000));
  Answer a;
  a.addresses = answer_rdata(r, type);
  auto sets = r.answers_of(type);
  a.ttl = sets.empty() ? 0 : sets[0].ttl;
  a.text = r.text;
  INFO("reply from unbound:\n" << r.text);
  CHECK(r.rcode == kRcodeNoError);
  CHECK(r.ra);
  CHECK_FALSE(r.aa);  // it came through the resolver, not straight from sgdns
  return a;
}

std::unique_ptr<UnboundServer> start_unbound(uint16_t auth_port, const std::string& modules) {
  UnboundSetup setup;
  setup.zone = kGeoZone;
  setup.auth_port = auth_port;
  setup.modules = modules;
  try {
    return std::make_unique<UnboundServer>(setup);
  } catch (const std::exception& e) {
    // Fail loudly: CI installs unbound, so not starting is a problem to see, not a reason to skip.
    FAIL("unbound (" << modules << ") did not come up: " << e.what());
  }
  return nullptr;
}

}  // namespace

TEST_CASE("unbound's subnetcache in front: clients of two networks get their own region, cached per subnet",
          "[integration][geo]") {
  GeoSetup setup = default_geo_setup();
  GeoServer sgdns(setup);
  {
    bool ready = sgdns.wait_ready();
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(ready);
  }
  std::string modules = GENERATE(as<std::string>{}, "subnetcache validator iterator", "subnetcache iterator");
  INFO("module-config: " << modules);
  auto unbound = start_unbound(sgdns.port(), modules);
  const std::string frankfurt = "127.0.1.5";  // 127.0.1.0/24: Frankfurt -> edge-eu
  const std::string singapore = "127.0.3.5";  // 127.0.3.0/24: Singapore -> edge-ap

  // Asked straight (no ECS), sgdns locates unbound's own address 127.0.0.1: the default region. So any
  // regional answer through unbound below can only come from the ECS unbound sent.
  Reply direct = ask(sgdns.endpoint(), make_query(kWww, kTypeA, true));
  REQUIRE(answer_rdata(direct, kTypeA) == kEdgeUs4);

  Answer eu1 = ask_resolver(*unbound, frankfurt);
  Answer ap1 = ask_resolver(*unbound, singapore);
  INFO("Frankfurt first:\n" << eu1.text << "\nSingapore first:\n" << ap1.text);
  CHECK(eu1.addresses == kEdgeEu4);
  CHECK(ap1.addresses == kEdgeAp4);
  CHECK(eu1.addresses != ap1.addresses);
  CHECK(ask_resolver(*unbound, frankfurt, kTypeAAAA).addresses == kEdgeEu6);
  CHECK(ask_resolver(*unbound, singapore, kTypeAAAA).addresses == kEdgeAp6);

  // Change the members of both pools in sgdns. Answers cached by unbound for 127.0.1.0/24 and
  // 127.0.3.0/24 (TTL 20 s) must not change; a client of a third /24 is asked for afresh.
  GeoSetup changed = setup;
  changed.edge_eu = {"192.0.2.221", "192.0.2.222", "2001:db8:5347:1::221"};
  sgdns.write_config(changed);
  REQUIRE(sgdns.server().signal(SIGHUP));
  const std::set<std::string> new_eu{"192.0.2.221", "192.0.2.222"};
  std::set<std::string> direct_eu;
  for (int i = 0; i < 100 && direct_eu != new_eu; ++i) {  // up to ~5 s
    std::this_thread::sleep_for(Millis(50));
    QueryOptions q = make_query(kWww, kTypeA, true);
    q.options.push_back(ecs_option("127.0.1.0/24"));
    direct_eu = answer_rdata(ask(sgdns.endpoint(), q), kTypeA);
  }
  {
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(direct_eu == new_eu);
  }

  Answer eu2 = ask_resolver(*unbound, frankfurt);
  Answer ap2 = ask_resolver(*unbound, singapore);
  INFO("Frankfurt second:\n" << eu2.text << "\nSingapore second:\n" << ap2.text);
  CHECK(eu2.addresses == eu1.addresses);  // from unbound's cache for 127.0.1.0/24, not sgdns's new members
  CHECK(ap2.addresses == ap1.addresses);
  CHECK(eu2.ttl <= eu1.ttl);
  CHECK(ap2.ttl <= ap1.ttl);
  CHECK(eu2.ttl <= 20);
  // Another client of 127.0.1.0/24 shares that subnet's cache entry.
  CHECK(ask_resolver(*unbound, "127.0.1.77").addresses == kEdgeEu4);
  // Sydney (127.0.4.0/24, a subnet not asked before) is ap-south as well.
  CHECK(ask_resolver(*unbound, "127.0.4.5").addresses == kEdgeAp4);
  // A new Frankfurt-located /24 would see the new members; 127.0.6.0/24 (ASN -> eu-west) is one.
  CHECK(ask_resolver(*unbound, "127.0.6.5").addresses == new_eu);
  CHECK(unbound->process().running());
}
