// SPDX-License-Identifier: MIT
// Reloader: a reload builds the next generation from the files as they are now; a dry run and a refused
// reload leave the configuration and the generation as they were.
#include <catch2/catch.hpp>
#include <cstring>

#include "app_world.h"
#include "reloader.h"

using namespace sgdns;
using namespace sgdns::app;
using namespace sgdns::app::testing;

TEST_CASE("Reloader builds the next generation from the files as they are now", "[app][reloader]") {
  ScratchFolder folder;
  const std::string file = write_config(folder);
  Reloader reloader(from_command_line(file));
  auto first = reloader.first_world();
  CHECK(first->generation == 1);
  const auto secret = reloader.config().options.cookies.secret;

  write_config(folder, "", R"("192.0.2.100")");
  SECTION("a dry run says what would change and changes nothing") {
    Reloader::Outcome r = reloader.reload("test", true, *first);
    CHECK(r.ok);
    CHECK(r.world == nullptr);
    CHECK(r.generation == 1);
    CHECK(reloader.generation() == 1);
    CHECK_FALSE(r.changes.empty());
  }
  SECTION("a reload makes the new configuration current") {
    Reloader::Outcome r = reloader.reload("test", false, *first);
    REQUIRE(r.ok);
    REQUIRE(r.world != nullptr);
    CHECK(r.world->generation == 2);
    CHECK(r.generation == 2);
    CHECK(r.world->policy->health_id("primary", "192.0.2.101") < 0);
    // Without a secret file the start's random cookie secret is kept, so cookies stay good.
    CHECK(std::memcmp(reloader.config().options.cookies.secret.key, secret.key, sizeof secret.key) == 0);
  }
  SECTION("a broken configuration is refused and the old one stays") {
    folder.write("sgdns.json", "{ not json");
    Reloader::Outcome r = reloader.reload("test", false, *first);
    CHECK_FALSE(r.ok);
    CHECK(r.world == nullptr);
    CHECK(r.message.rfind("reload refused, still serving generation 1: ", 0) == 0);
    CHECK(reloader.generation() == 1);
  }
}
