// SPDX-License-Identifier: MIT
// The app module's small pieces: GeoIP file stamps (geoip.check_interval), token files, who to run as,
// UTC stamps and pool states in the status JSON, and what a reload reports as changed or restart-only.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "app_world.h"
#include "geoip_watch.h"
#include "privileges.h"
#include "reload_report.h"
#include "token_file.h"
#include "world_report.h"

using namespace sgdns;
using namespace sgdns::app;
using namespace sgdns::app::testing;

TEST_CASE("GeoipWatch names a database replaced by rename, rewritten in place, or removed",
          "[app][geoip_watch]") {
  ScratchFolder folder;
  folder.write("a.mmdb", "first");
  folder.write("b.mmdb", "second");
  GeoipWatch watch;
  CHECK(watch.empty());
  watch.remember({folder.file("a.mmdb"), folder.file("b.mmdb")});
  CHECK_FALSE(watch.empty());
  CHECK(watch.changed().empty());

  // A vendor's update: written beside, renamed over (a new inode, same size).
  folder.write("b.new", "SECOND");
  std::filesystem::rename(folder.file("b.new"), folder.file("b.mmdb"));
  CHECK(watch.changed() == folder.file("b.mmdb"));
  watch.remember({folder.file("a.mmdb"), folder.file("b.mmdb")});
  CHECK(watch.changed().empty());

  folder.write("a.mmdb", "first, longer");  // copied in place: same inode, new size
  CHECK(watch.changed() == folder.file("a.mmdb"));
  watch.remember({folder.file("a.mmdb"), folder.file("b.mmdb")});
  std::filesystem::remove(folder.file("a.mmdb"));
  CHECK(watch.changed() == folder.file("a.mmdb"));
  CHECK_FALSE(stamp_file(folder.file("a.mmdb")).exists);
}

TEST_CASE("a token file is read without its trailing newline, and its mode is judged", "[app][token_file]") {
  ScratchFolder folder;
  folder.write("token", "s3cret-token-0123456789 \n\n");
  CHECK(read_token_file(folder.file("token")) == "s3cret-token-0123456789");
  CHECK_FALSE(read_token_file(folder.file("missing")).has_value());
  ::chmod(folder.file("token").c_str(), 0600);
  CHECK_FALSE(readable_by_others(folder.file("token")));
  ::chmod(folder.file("token").c_str(), 0640);
  CHECK(readable_by_others(folder.file("token")));
  ::chmod(folder.file("token").c_str(), 0604);
  CHECK(readable_by_others(folder.file("token")));
}

TEST_CASE("plan_run_as: nothing without a user, a clear error for unknown users and for root",
          "[app][privileges]") {
  config::Config c;
  CHECK_FALSE(plan_run_as(c).has_value());
  c.user = "sgdns-no-such-user-xyz";
  CHECK_THROWS_WITH(plan_run_as(c), "user sgdns-no-such-user-xyz: no such user");
  c.user = "root";
  CHECK_THROWS_WITH(plan_run_as(c), Catch::Contains("is root"));
  c.user = "nobody";
  c.group = "sgdns-no-such-group-xyz";
  CHECK_THROWS_WITH(plan_run_as(c), "group sgdns-no-such-group-xyz: no such group");
  if (::geteuid() == 0) {
    c.group = "nogroup";
    const std::optional<RunAs> who = plan_run_as(c);
    REQUIRE(who.has_value());
    CHECK(who->user == "nobody");
    CHECK(who->uid == 65534);
    CHECK(who->group == "nogroup");
  }
}

TEST_CASE("utc_time and the three states of a pool member in the status JSON", "[app][world_report]") {
  CHECK(utc_time(0) == "1970-01-01T00:00:00Z");
  CHECK(utc_time(1'764'460'800.9) == "2025-11-30T00:00:00Z");

  ScratchFolder folder;
  auto world = build(write_config(folder));
  const std::int64_t id = world->policy->health_id("primary", "192.0.2.101");
  REQUIRE(id >= 0);
  world->health->set_up(static_cast<std::uint32_t>(id), false);
  const nlohmann::json forced = {{"state", "up"}};
  const nlohmann::json pools = pools_json(*world, {{"primary/192.0.2.100", forced}});
  auto member = [&](const std::string& pool, const std::string& address) {
    for (const auto& p : pools)
      if (p.at("name") == pool)
        for (const auto& m : p.at("members"))
          if (m.at("address") == address) return m;
    FAIL("no member " << pool << "/" << address << " in " << pools.dump());
    return nlohmann::json();
  };
  CHECK(member("primary", "192.0.2.101").at("probe") == "down");
  CHECK(member("primary", "192.0.2.101").at("override").is_null());
  CHECK(member("primary", "192.0.2.101").at("effective") == "down");
  CHECK(member("primary", "192.0.2.100").at("override") == forced);
  CHECK(member("standby", "198.51.100.100").at("effective") == "up");
}

TEST_CASE("a reload reports records added, removed and changed, and settings only a restart applies",
          "[app][reload_report]") {
  ScratchFolder folder;
  const std::string file = write_config(folder);
  const config::Config first = from_command_line(file);
  auto before = build(file, 1);
  CHECK(describe(*before) == "geo.example.test. serial 1 (7 records); 1 dynamic records");
  CHECK(reload_changes(*before, *build(file, 2)).empty());

  write_config(folder, "", R"("192.0.2.100", "192.0.2.102")");  // a member replaced
  auto after = build(file, 2);
  CHECK(
      reload_changes(*before, *after) ==
      nlohmann::json::array({"record origin.geo.example.test. changed (policy, pools, members or checks)"}));
  CHECK(
      reload_changes(*after, *before) ==
      nlohmann::json::array({"record origin.geo.example.test. changed (policy, pools, members or checks)"}));

  config::Config next = first;
  CHECK(reload_warnings(start_settings(first), next, *before, *after).empty());
  next.threads = 3;
  next.tcp.max_per_source = first.tcp.max_per_source + 1;
  next.admin.state_file = "/var/lib/sgdns/state.json";
  const std::vector<std::string> warnings = reload_warnings(start_settings(first), next, *before, *after);
  REQUIRE(warnings.size() == 3);
  CHECK(warnings[0] == "threads changes only at restart: still " +
                           (first.threads ? std::to_string(first.threads) : std::string("one per core")) +
                           ", the configuration says 3");
  CHECK(warnings[1].starts_with("tcp.max_per_source changes only at restart: still "));
  CHECK(warnings[2] == "admin.state_file changes only at restart: still " +
                           (first.admin.state_file.empty() ? std::string("none") : first.admin.state_file) +
                           ", the configuration says /var/lib/sgdns/state.json");
}
