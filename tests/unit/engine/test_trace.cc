// SPDX-License-Identifier: MIT
// The engine's trace (engine/trace.h): the rule that placed the client, each pool's verdict and each
// member's state, as the dynamic path decided them; and nothing recorded when no trace was asked for.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "engine_fixture.h"
#include "sgdns/config/config.h"
#include "sgdns/dns/types.h"
#include "sgdns/engine/trace.h"
#include "sgdns/world/build.h"

using namespace sgdns;

namespace {

std::shared_ptr<engine::World> geo_world() {
  return world::build_world(config::load_config_file(SGDNS_TEST_DATA "/golden/configs/geo.json"), 1);
}

/// Answers `name`/`qtype` for a client at `address` with a trace, and returns the trace.
engine::Trace traced(const engine::World& world, const std::string& name, std::uint16_t qtype,
                     const char* address = "127.0.0.1") {
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  REQUIRE(inet_pton(AF_INET, address, &peer.sin_addr) == 1);
  engine::Trace trace;
  engine::Scratch scratch;
  scratch.trace = &trace;
  std::vector<std::uint8_t> out(65535);
  (void)engine::answer(world, test::make_query(name, qtype),
                       {reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Udp}, scratch, out);
  return trace;
}

std::string pool_name(const engine::World& w, const engine::TraceStep::Pool& p) {
  return w.policy->pools[static_cast<std::size_t>(p.pool)].name;
}

void force_down(engine::World& w, const char* pool, const char* member) {
  const std::int64_t id = w.policy->health_id(pool, member);
  REQUIRE(id >= 0);
  w.health->set_forced(static_cast<std::uint32_t>(id), health::HealthTable::Forced::Down);
}

}  // namespace

TEST_CASE("trace: the rule that placed the client and the pool that answered", "[engine][trace]") {
  auto world = geo_world();
  const engine::Trace t = traced(*world, "www.geo.example.test.", dns::rrtype::kA, "127.0.7.9");
  REQUIRE(t.steps.size() == 1);
  const engine::TraceStep& step = t.steps[0];
  CHECK(world->policy->records[static_cast<std::size_t>(step.record)].name == "www.geo.example.test.");
  REQUIRE(step.located);
  CHECK(step.where.rule() == policy::LocateRule::Cidr);  // 127.0.7.0/24 is us-west's CIDR
  CHECK(world->policy->regions[static_cast<std::size_t>(step.where.region())].name == "us-west");
  CHECK_FALSE(step.where.from_ecs);
  // us-west's pool, the other regions' by distance (us-west names no fallback), then the CDN.
  REQUIRE(step.pools.size() == 5);
  CHECK(pool_name(*world, step.pools[0]) == "edge-usw");
  CHECK(step.pools[0].verdict == engine::PoolVerdict::Answered);
  REQUIRE(step.pools[0].members.size() == 1);
  CHECK(step.pools[0].members[0].up);
  CHECK(step.chosen == step.pools[0].pool);
  for (std::size_t i = 1; i < step.pools.size(); ++i)
    CHECK(step.pools[i].verdict == engine::PoolVerdict::NotReached);
  CHECK(pool_name(*world, step.pools.back()) == "cdn");
  CHECK_FALSE(step.fail_open);

  // The same client asking AAAA: us-west has no IPv6 member, so the next region's pool answers.
  const engine::Trace v6 = traced(*world, "www.geo.example.test.", dns::rrtype::kAAAA, "127.0.7.9");
  REQUIRE(v6.steps.size() == 1);
  CHECK(v6.steps[0].pools[0].verdict == engine::PoolVerdict::NoFamily);
  CHECK(v6.steps[0].pools[0].members[0].other_family);
  CHECK(v6.steps[0].pools[1].verdict == engine::PoolVerdict::Answered);
  CHECK(v6.steps[0].chosen == v6.steps[0].pools[1].pool);
}

TEST_CASE("trace: ASN and default placements", "[engine][trace]") {
  auto world = geo_world();
  CHECK(traced(*world, "www.geo.example.test.", dns::rrtype::kA, "127.0.6.9").steps.at(0).where.rule() ==
        policy::LocateRule::Asn);
  CHECK(traced(*world, "www.geo.example.test.", dns::rrtype::kA, "127.0.0.1").steps.at(0).where.rule() ==
        policy::LocateRule::Default);
}

TEST_CASE("trace: pools skipped because every member is down, and failing open", "[engine][trace]") {
  auto world = geo_world();
  force_down(*world, "primary", "192.0.2.100");
  const engine::Trace t = traced(*world, "origin.geo.example.test.", dns::rrtype::kA);
  REQUIRE(t.steps.size() == 1);
  const engine::TraceStep& step = t.steps[0];
  CHECK_FALSE(step.located);
  REQUIRE(step.pools.size() == 2);
  CHECK(step.pools[0].verdict == engine::PoolVerdict::AllDown);
  CHECK_FALSE(step.pools[0].members[0].up);
  CHECK(step.pools[1].verdict == engine::PoolVerdict::Answered);

  force_down(*world, "standby", "198.51.100.100");
  const engine::TraceStep open = traced(*world, "origin.geo.example.test.", dns::rrtype::kA).steps.at(0);
  CHECK(open.fail_open);
  CHECK(open.pools[0].verdict == engine::PoolVerdict::FailOpen);
  CHECK(open.pools[1].verdict == engine::PoolVerdict::AllDown);

  // A record that does not fail open answers from nothing: no pool chosen.
  const engine::TraceStep closed = traced(*world, "closed.geo.example.test.", dns::rrtype::kA).steps.at(0);
  CHECK(closed.chosen == -1);
  CHECK_FALSE(closed.fail_open);
  CHECK(closed.pools[0].verdict == engine::PoolVerdict::AllDown);
}

TEST_CASE("trace: static names record nothing, and no trace is the default", "[engine][trace]") {
  auto world = geo_world();
  CHECK(traced(*world, "geo.example.test.", dns::rrtype::kSOA).steps.empty());
  engine::Scratch scratch;
  CHECK(scratch.trace == nullptr);
}
