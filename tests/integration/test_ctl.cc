// SPDX-License-Identifier: MIT
// `sgdns ctl` and the admin API as an operator uses them: durations, --config, override list, token hints.
#include <catch2/catch.hpp>

#include "http_backend.h"
#include "test_helpers.h"

using namespace sgdns::test;
using nlohmann::json;

namespace {

// An sgdns with the admin API whose checks probe a port nothing listens on (the members' health does not
// matter here), and `sgdns ctl` pointed at it.
struct CtlBed {
  CtlBed() {
    setup.check_port = free_port();
    server = std::make_unique<HealthServer>(setup);
    bool ready = server->wait_ready();
    INFO("sgdns log:\n" << server->log());
    REQUIRE(ready);
    token_file = dir.write("token", server->admin().token() + "\n");
  }
  std::string admin() const { return "127.0.0.1:" + std::to_string(server->admin().port()); }
  // `sgdns ctl --admin ADDR [--token-file FILE] ARGS`, stderr folded into the output.
  CommandResult ctl(const std::string& args, bool with_token = true) const {
    std::string command = sgdns_binary() + " ctl --admin " + admin();
    if (with_token) command += " --token-file " + token_file;
    return run_command(command + " " + args + " 2>&1");
  }
  json override_of(const std::string& member) const {
    auto status = server->status();
    REQUIRE(status.has_value());
    for (const auto& o : (*status)["overrides"])
      if (o.value("member", "") == member) return o;
    return nullptr;
  }

  HealthSetup setup;
  std::unique_ptr<HealthServer> server;
  TempDir dir;
  std::string token_file;
};

}  // namespace

TEST_CASE("override expiry takes the same durations in ctl and the API; 0 and nonsense are refused",
          "[integration][admin][duration]") {
  CtlBed bed;
  auto expiry_seconds = [&](const std::string& member) {
    json o = bed.override_of(member);
    INFO(o.dump());
    REQUIRE(o.is_object());
    REQUIRE(o["expires"].is_number());
    return o["expires"].get<double>() - o["set_at"].get<double>();
  };

  CommandResult hour = bed.ctl("override set edge 127.0.0.2 down --expires 1h");
  INFO(hour.output);
  REQUIRE(hour.exit_code == 0);
  CHECK(expiry_seconds("127.0.0.2") == Approx(3600).margin(0.01));

  REQUIRE(bed.ctl("override set edge 127.0.0.3 down --expires 90").exit_code == 0);
  CHECK(expiry_seconds("127.0.0.3") == Approx(90).margin(0.01));

  HttpResponse api =
      bed.server->admin().put("/v1/overrides/edge/127.0.0.4", R"({"state": "down", "expires": "15m"})");
  INFO(api.body);
  REQUIRE(api.status == 200);
  CHECK(expiry_seconds("127.0.0.4") == Approx(900).margin(0.01));
  api = bed.server->admin().put("/v1/overrides/edge/127.0.0.4", R"({"state": "down", "expires": 120})");
  REQUIRE(api.status == 200);
  CHECK(expiry_seconds("127.0.0.4") == Approx(120).margin(0.01));

  SECTION("nonsense is refused before anything is sent, naming the flag") {
    for (const char* bad : {"abc", "1.5h", "-3", "10 minutes"}) {
      CommandResult r = bed.ctl(std::string("override set edge 127.0.0.2 up --expires '") + bad + "'");
      INFO(bad << ": " << r.output);
      CHECK(r.exit_code == 2);
      CHECK(r.output.find("sgdns ctl: --expires: \"" + std::string(bad) + "\" is not a duration") !=
            std::string::npos);
    }
    CHECK(bed.override_of("127.0.0.2").value("state", "") == "down");  // unchanged
  }
  SECTION("0 is refused the same way by ctl and by the API") {
    CommandResult zero = bed.ctl("override set edge 127.0.0.2 up --expires 0");
    INFO(zero.output);
    CHECK(zero.exit_code == 1);
    CHECK(zero.output.find("expires: must be more than 0") != std::string::npos);
    for (const char* body : {R"({"state": "up", "expires": 0})", R"({"state": "up", "expires": "0s"})"}) {
      HttpResponse r = bed.server->admin().put("/v1/overrides/edge/127.0.0.2", body);
      INFO(body << ": " << r.body);
      CHECK(r.status == 400);
      CHECK(r.body.find("expires: must be more than 0") != std::string::npos);
    }
    for (const char* body : {R"({"state": "up", "expires": "soon"})", R"({"state": "up", "expires": 2.5})",
                             R"({"state": "up", "expires": -5})"}) {
      HttpResponse r = bed.server->admin().put("/v1/overrides/edge/127.0.0.2", body);
      INFO(body << ": " << r.body);
      CHECK(r.status == 400);
      CHECK(r.body.find("is not a duration") != std::string::npos);
    }
    CHECK(bed.override_of("127.0.0.2").value("state", "") == "down");  // unchanged
  }
}
