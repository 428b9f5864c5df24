// SPDX-License-Identifier: MIT
// The admin views: override requests checked field by field, and the replies for ready, reload,
// overrides and status as the API documents them.
#include <catch2/catch.hpp>

#include "admin_views.h"
#include "app_world.h"

using namespace sgdns;
using namespace sgdns::app;
using namespace sgdns::app::testing;
using nlohmann::json;

namespace {

std::string override_error(const json& body) {
  Override o;
  auto r = read_override("primary", "192.0.2.100", body, 1000, o);
  if (!r) return "";
  CHECK(r->status == 400);
  return json::parse(r->body)["error"].get<std::string>();
}

}  // namespace

TEST_CASE("read_override checks every field of the request", "[app][admin_views]") {
  CHECK(override_error({{"state", "sideways"}}) == "state: expected \"up\" or \"down\"");
  CHECK(override_error({{"state", "down"}, {"colour", 1}}) ==
        "colour: unknown key (expected state, reason, expires)");
  CHECK(override_error({{"state", "down"}, {"reason", 5}}) ==
        "reason: expected a string of at most 1024 bytes");
  CHECK(override_error({{"state", "down"}, {"expires", "0"}}).rfind("expires: must be more than 0", 0) == 0);
  CHECK(override_error({{"state", "down"}, {"expires", "soon"}}).rfind("expires: ", 0) == 0);

  Override o;
  REQUIRE_FALSE(read_override("primary", "192.0.2.100", {{"state", "down"}, {"expires", "15m"}}, 1000, o));
  CHECK(o.key() == "primary/192.0.2.100");
  CHECK_FALSE(o.up);
  CHECK(o.set_at == 1000);
  CHECK(o.expires == 1900);
}

TEST_CASE("ready_view and reload_view answer as documented", "[app][admin_views]") {
  CHECK(ready_view(false, 3).status == 503);
  const admin::Response ready = ready_view(true, 3);
  CHECK(ready.status == 200);
  CHECK(json::parse(ready.body)["generation"] == 3);

  Reloader::Outcome refused;
  refused.message = "reload refused, still serving generation 1: bad";
  const admin::Response r = reload_view(refused, false);
  CHECK(r.status == 422);
  CHECK(json::parse(r.body)["error"] == refused.message);
  Reloader::Outcome done{true, "reloaded", json::array({"zone x"}), 2, {"w"}, nullptr};
  const json body = json::parse(reload_view(done, true).body);
  CHECK(body["dry_run"] == true);
  CHECK(body["generation"] == 2);
  CHECK(body["warnings"][0] == "w");
}

TEST_CASE_METHOD(Bed, "overrides_view and status_view show the overrides and whether they apply",
                 "[app][admin_views]") {
  REQUIRE(overrides.set({"primary", "192.0.2.100", false, "why", 1000, 0}).status == 200);
  const json list = json::parse(overrides_view(overrides).body)["overrides"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["applies"] == true);
  CHECK(list[0]["expires"].is_null());

  health::EndpointStatus probed;
  probed.name = "primary/192.0.2.100";
  probed.address = "192.0.2.100";
  probed.up = true;
  const json status = json::parse(status_view(*world, {42, true, {probed}, nullptr}, overrides.all()).body);
  CHECK(status["generation"] == 1);
  CHECK(status["started"] == 42);
  CHECK(status["ready"] == true);
  REQUIRE(status["endpoints"].size() == 1);
  CHECK(status["endpoints"][0]["override"]["state"] == "down");
  CHECK(status["endpoints"][0]["last_check"].is_null());
  CHECK(status["overrides"].size() == 1);
}
