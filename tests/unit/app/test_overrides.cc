// SPDX-License-Identifier: MIT
// Overrides: forced into the served table, written to the state file first, kept across a reload that
// removes the member, expired on time, and nothing changes when the state file cannot be written.
#include <catch2/catch.hpp>

#include "app_world.h"
#include "overrides.h"
#include "sgdns/policy/policy.h"

using namespace sgdns;
using namespace sgdns::app;
using namespace sgdns::app::testing;

namespace {

std::uint32_t id_of(const engine::World& w, const std::string& pool, const std::string& member) {
  const std::int64_t id = w.policy->health_id(pool, member);
  REQUIRE(id >= 0);
  return static_cast<std::uint32_t>(id);
}

Override down(const std::string& pool, const std::string& member, double expires = 0) {
  return {pool, member, false, "maintenance", 1000, expires};
}

}  // namespace

TEST_CASE_METHOD(Bed, "Overrides force the served table and persist before they apply", "[app][overrides]") {
  CHECK(overrides.set(down("primary", "192.0.2.100")).status == 200);
  CHECK_FALSE(world->health->up(id_of(*world, "primary", "192.0.2.100")));
  CHECK(world->health->up(id_of(*world, "standby", "192.0.2.100")));  // an override is per pool member

  // A fresh start reads it back from the state file.
  Overrides restarted(folder.file("state.json"), metrics);
  restarted.restore(2000);
  REQUIRE(restarted.all().count("primary/192.0.2.100") == 1);

  CHECK(overrides.clear("primary", "192.0.2.100").status == 200);
  CHECK(world->health->forced(id_of(*world, "primary", "192.0.2.100")) == health::HealthTable::Forced::None);
  CHECK(overrides.clear("primary", "192.0.2.100").status == 404);
}

TEST_CASE_METHOD(Bed, "Overrides refuse names the World does not have", "[app][overrides]") {
  const Overrides::Result no_pool = overrides.set(down("nope", "192.0.2.100"));
  CHECK(no_pool.status == 404);
  CHECK(no_pool.error == "no pool \"nope\"");
  const Overrides::Result no_member = overrides.set(down("primary", "192.0.2.7"));
  CHECK(no_member.status == 404);
  CHECK(no_member.error == "no member \"192.0.2.7\" in pool \"primary\"");
  CHECK(overrides.all().empty());
}

TEST_CASE_METHOD(Bed, "Overrides change nothing when the state file cannot be written", "[app][overrides]") {
  Overrides unwritable(folder.file("missing-folder/state.json"), metrics);
  unwritable.install(*world);
  const Overrides::Result r = unwritable.set(down("primary", "192.0.2.100"));
  CHECK(r.status == 500);
  CHECK(unwritable.all().empty());
  CHECK(world->health->up(id_of(*world, "primary", "192.0.2.100")));
}

TEST_CASE_METHOD(Bed, "Overrides outlive a reload that removes the member, and apply when it returns",
                 "[app][overrides]") {
  REQUIRE(overrides.set(down("primary", "192.0.2.101")).status == 200);

  write_config(folder, "", R"("192.0.2.100")");
  auto without = build(config, 2);
  overrides.install(*without);
  REQUIRE(overrides.all().size() == 1);
  CHECK_FALSE(overrides.applies(overrides.all().begin()->second));

  write_config(folder);
  auto back = build(config, 3);
  overrides.install(*back);
  CHECK(overrides.applies(overrides.all().begin()->second));
  CHECK_FALSE(back->health->up(id_of(*back, "primary", "192.0.2.101")));
}

TEST_CASE_METHOD(Bed, "Overrides expire when their time comes, not before", "[app][overrides]") {
  REQUIRE(overrides.set(down("primary", "192.0.2.100", 1500)).status == 200);
  overrides.expire(1499);
  CHECK(overrides.all().size() == 1);
  CHECK_FALSE(world->health->up(id_of(*world, "primary", "192.0.2.100")));
  overrides.expire(1500);
  CHECK(overrides.all().empty());
  CHECK(world->health->up(id_of(*world, "primary", "192.0.2.100")));
  Overrides restarted(folder.file("state.json"), metrics);
  restarted.restore(0);
  CHECK(restarted.all().empty());  // the expiry was written too
}

TEST_CASE_METHOD(Bed, "The fleet's set replaces the overrides: forced, unforced, cached in the state file",
                 "[app][overrides][fleet]") {
  REQUIRE(overrides.set(down("primary", "192.0.2.100")).status == 200);
  std::map<std::string, Override> fleet = {{"standby/192.0.2.100", down("standby", "192.0.2.100")},
                                           {"gone/192.0.2.9", down("gone", "192.0.2.9")}};
  CHECK(overrides.replace_all(fleet));
  CHECK(world->health->up(id_of(*world, "primary", "192.0.2.100")));  // dropped by the fleet: unforced
  CHECK_FALSE(world->health->up(id_of(*world, "standby", "192.0.2.100")));
  CHECK(overrides.all().size() == 2);         // one naming no member is kept, as from the state file
  CHECK_FALSE(overrides.replace_all(fleet));  // the same set again changes nothing

  Overrides restarted(folder.file("state.json"), metrics);
  restarted.restore(2000);
  CHECK(restarted.all().count("standby/192.0.2.100") == 1);
  CHECK(restarted.all().count("primary/192.0.2.100") == 0);

  fleet["standby/192.0.2.100"].up = true;  // the same key, another state
  CHECK(overrides.replace_all(fleet));
  CHECK(world->health->forced(id_of(*world, "standby", "192.0.2.100")) == health::HealthTable::Forced::Up);
  CHECK(overrides.validate(down("nope", "192.0.2.100")).status == 404);
  CHECK(overrides.validate(down("primary", "192.0.2.100")).status == 200);
}
