// SPDX-License-Identifier: MIT
// The status page's HTML from a model: everything shown, everything escaped, nothing fetched from outside.
#include <catch2/catch.hpp>

#include "status_history.h"
#include "status_page.h"

using namespace sgdns::app;
using nlohmann::json;

namespace {

json model() {
  return json::parse(R"({
    "now": 1800000000, "started": 1799996400, "generation": 3, "version": "0.1.0", "refresh_ms": 1000,
    "regions": [{"name": "eu-west", "fallback": ["us-east"], "answers": 30},
                {"name": "us-east", "fallback": [], "answers": 10}],
    "pools": [{"name": "edge-eu", "region": "eu-west", "check": "edge", "members": [
      {"member": "192.0.2.1", "address": "192.0.2.1", "probe": "up", "effective": "down",
       "override": {"state": "down", "reason": "<script>alert(1)</script>", "expires": 1800000300},
       "last_result": {"ok": true, "failure": "none", "seconds": 0.0123}, "flips": 4},
      {"member": "192.0.2.2", "address": "192.0.2.2", "probe": "down", "effective": "down",
       "override": null, "last_result": {"ok": false, "failure": "refused", "seconds": 0.0004}, "flips": 1}]}],
    "flips": [{"at": 1799999000, "endpoint": "edge-eu/192.0.2.2", "to": "down"}],
    "overrides": [{"pool": "edge-eu", "member": "192.0.2.1", "state": "down",
                   "reason": "<script>alert(1)</script>", "set_at": 1799999940, "expires": 1800000300}],
    "zones": [{"origin": "streamgate.example.", "serial": 2026112801, "records": 42}],
    "reloads": [{"at": 1799999990, "trigger": "SIGHUP", "ok": false, "generation": 3,
                 "message": "zone x: line 3: bad"}]
  })");
}

}  // namespace

TEST_CASE("the status page shows members, probes, overrides, flips, zones, reloads and a chart", "[app]") {
  const std::string html = render_status_page(model());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("name=\"viewport\"") != std::string::npos);
  CHECK(html.find("data-member=\"edge-eu/192.0.2.1\" data-state=\"down\"") != std::string::npos);
  CHECK(html.find("2 of 2 members down") != std::string::npos);
  CHECK(html.find("ok 12.3 ms") != std::string::npos);
  CHECK(html.find("<b>refused</b> 0.4 ms") != std::string::npos);
  CHECK(html.find("expires in 5m") != std::string::npos);
  CHECK(html.find("Flips in the last hour: 1") != std::string::npos);
  CHECK(html.find("2026112801") != std::string::npos);
  CHECK(html.find("zone x: line 3: bad") != std::string::npos);
  CHECK(html.find("30 (75%)") != std::string::npos);
  CHECK(html.find("data-refresh=\"1000\"") != std::string::npos);
}

TEST_CASE("the status page escapes what operators and configurations wrote", "[app]") {
  const std::string html = render_status_page(model());
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html_escape("a\"b'c&<>") == "a&quot;b&#39;c&amp;&lt;&gt;");
}

TEST_CASE("the status page refers to nothing outside itself", "[app]") {
  const std::string html = render_status_page(model());
  for (const char* outside : {"src=", "url(", "@import", "http://", "https://"}) {
    INFO(outside);
    CHECK(html.find(outside) == std::string::npos);
  }
  // The one href is the inline empty icon that stops browsers asking for /favicon.ico.
  CHECK(html.find("href=") == html.find("href=\"data:,\""));
  CHECK(html.find("href=", html.find("href=") + 1) == std::string::npos);
}

TEST_CASE("a model with missing or mistyped fields still renders", "[app]") {
  CHECK(render_status_page(json::object()).find("</html>") != std::string::npos);
  CHECK(render_status_page(json::parse(R"({"pools": 3, "regions": [{"name": 1}], "now": "x"})"))
            .find("</html>") != std::string::npos);
}

TEST_CASE("status history keeps the last hour of flips and the last reloads", "[app]") {
  StatusHistory h;
  h.add_flip({100, "p/a", false});
  h.add_flip({4000, "p/a", true});
  auto flips = h.recent_flips(4000);
  REQUIRE(flips.size() == 1);
  CHECK(flips[0].at == 4000);
  for (int i = 0; i < 15; ++i) h.add_reload({static_cast<double>(i), "SIGHUP", true, 1, ""});
  auto reloads = h.recent_reloads();
  REQUIRE(reloads.size() == StatusHistory::kMaxReloads);
  CHECK(reloads.front().at == 14);
}
