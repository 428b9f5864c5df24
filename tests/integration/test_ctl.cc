// SPDX-License-Identifier: MIT
// `sgdns ctl` and the admin API as an operator uses them: durations, --config, override list, token hints.
#include <catch2/catch.hpp>
#include <thread>

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

namespace {

std::string folder_of(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

}  // namespace

TEST_CASE("ctl --config finds the admin address and the token file in the configuration",
          "[integration][admin][ctl]") {
  CtlBed bed;
  const std::string ctl = sgdns_binary() + " ctl --config " + bed.server->config_path();
  CommandResult status = run_command(ctl + " status");
  INFO(status.output);
  REQUIRE(status.exit_code == 0);
  CHECK(json::parse(status.output)["records"].size() == 1);
  CommandResult set = run_command(ctl + " override set edge 127.0.0.3 down --reason from-config 2>&1");
  INFO(set.output);
  CHECK(set.exit_code == 0);
  CHECK(bed.override_of("127.0.0.3").value("reason", "") == "from-config");
  CommandResult list = run_command(ctl + " override list");
  REQUIRE(list.exit_code == 0);
  json listed = json::parse(list.output)["overrides"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["member"] == "127.0.0.3");
  CHECK(listed[0]["applies"] == true);
  // The same over HTTP.
  HttpResponse overrides = bed.server->admin().get("/v1/overrides");
  REQUIRE(overrides.status == 200);
  CHECK(json::parse(overrides.body)["overrides"] == listed);
}

TEST_CASE("ctl says how to pass a token when the server wants one", "[integration][admin][ctl]") {
  CtlBed bed;
  CommandResult none = bed.ctl("override set edge 127.0.0.2 down", false);
  INFO(none.output);
  CHECK(none.exit_code == 1);
  CHECK(none.output.find("--token-file FILE, or --config FILE") != std::string::npos);
  CHECK(none.output.find("SGDNS_TOKEN") != std::string::npos);
  TempDir dir;
  std::string wrong = dir.write("wrong", "not-the-token-0123456789\n");
  CommandResult bad =
      run_command(sgdns_binary() + " ctl --admin " + bed.admin() + " --token-file " + wrong + " reload 2>&1");
  INFO(bad.output);
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("the token from " + wrong + " is not the server's") != std::string::npos);
  CommandResult unreachable =
      run_command(sgdns_binary() + " ctl --admin 127.0.0.1:" + std::to_string(free_port()) + " status 2>&1");
  CHECK(unreachable.exit_code == 2);
  CHECK(unreachable.output.find("cannot reach the admin API at http://127.0.0.1:") != std::string::npos);
}

TEST_CASE("the admin API: no pool, 405 before the token, health and readiness", "[integration][admin]") {
  CtlBed bed;
  const AdminClient& admin = bed.server->admin();
  HttpResponse nopool = admin.put("/v1/overrides/nowhere/127.0.0.2", R"({"state": "down"})");
  CHECK(nopool.status == 404);
  CHECK(json::parse(nopool.body)["error"] == "no pool \"nowhere\"");
  HttpResponse nomember = admin.put("/v1/overrides/edge/192.0.2.99", R"({"state": "down"})");
  CHECK(nomember.status == 404);
  CHECK(json::parse(nomember.body)["error"] == "no member \"192.0.2.99\" in pool \"edge\"");
  CHECK(json::parse(admin.del("/v1/overrides/nowhere/127.0.0.2").body)["error"] == "no pool \"nowhere\"");
  // A wrong method is 405 whatever the token: none, a wrong one, the right one.
  for (const std::string& auth :
       {std::string(), std::string("Bearer wrong-token-0123456789"), "Bearer " + admin.token()}) {
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"POST", "/v1/status"},
                                                          {"GET", "/v1/reload"},
                                                          {"DELETE", "/v1/status"},
                                                          {"PUT", "/metrics"},
                                                          {"GET", "/v1/overrides/edge/127.0.0.2"},
                                                          {"POST", "/v1/health"}}) {
      HttpResponse r = admin.send_as(method, target, "", auth);
      INFO(method << " " << target << " with '" << auth << "': " << r.status << " " << r.body);
      CHECK(r.status == 405);
      CHECK_FALSE(r.header("allow").empty());
    }
  }
  HttpResponse health = admin.get("/v1/health");
  CHECK(health.status == 200);
  CHECK(json::parse(health.body)["alive"] == true);
  HttpResponse ready = admin.get("/v1/ready");
  CHECK(ready.status == 200);
  CHECK(json::parse(ready.body)["ready"] == true);
  CHECK(bed.ctl("ready").exit_code == 0);
  CHECK(bed.ctl("health").exit_code == 0);
}

TEST_CASE("/v1/status shows each member's probe state, override and effective state",
          "[integration][admin]") {
  CtlBed bed;  // the probes fail (nothing listens on the check port): every member goes down
  auto member = [&](const std::string& address) {
    auto status = bed.server->status();
    REQUIRE(status.has_value());
    for (const auto& pool : (*status)["pools"])
      for (const auto& m : pool["members"])
        if (pool["name"] == "edge" && m["member"] == address) return m;
    return json(nullptr);
  };
  auto deadline = std::chrono::steady_clock::now() + Millis(10000);
  while (member("127.0.0.2").value("probe", "") != "down" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(Millis(100));
  json before = member("127.0.0.2");
  INFO(before.dump());
  CHECK(before["probe"] == "down");
  CHECK(before["override"].is_null());
  CHECK(before["effective"] == "down");
  REQUIRE(bed.ctl("override set edge 127.0.0.2 up --reason tested").exit_code == 0);
  json after = member("127.0.0.2");
  INFO(after.dump());
  CHECK(after["probe"] == "down");
  CHECK(after["override"]["state"] == "up");
  CHECK(after["override"]["reason"] == "tested");
  CHECK(after["effective"] == "up");
}

TEST_CASE("explain: offline it says it cannot see live health; ctl explain asks the server",
          "[integration][admin][explain]") {
  CtlBed bed;
  REQUIRE(bed.ctl("override set edge 127.0.0.2 down").exit_code == 0);
  CommandResult offline =
      run_command(sgdns_binary() + " explain --config " + bed.server->config_path() + " www.fo.test A");
  INFO(offline.output);
  REQUIRE(offline.exit_code == 0);
  json o = json::parse(offline.output);
  CHECK(o["health"].get<std::string>().rfind("not seen: sgdns explain runs offline", 0) == 0);
  CHECK(o["health"].get<std::string>().find("sgdns ctl explain") != std::string::npos);
  CommandResult live = bed.ctl("explain www.fo.test A");
  INFO(live.output);
  REQUIRE(live.exit_code == 0);
  json l = json::parse(live.output);
  CHECK(l["health"].get<std::string>().rfind("live", 0) == 0);
  CHECK(l.dump().find("127.0.0.2") != std::string::npos);
}

TEST_CASE("reload --dry-run says what would change and installs nothing", "[integration][admin][reload]") {
  CtlBed bed;
  int generation = bed.server->status().value()["generation"];
  bed.server->write_zone(2);
  CommandResult dry = bed.ctl("reload --dry-run");
  INFO(dry.output << "\nsgdns log:\n" << bed.server->log());
  REQUIRE(dry.exit_code == 0);
  json d = json::parse(dry.output);
  CHECK(d["dry_run"] == true);
  CHECK(d["changes"].dump().find("serial 1 -> 2") != std::string::npos);
  CHECK(bed.server->status().value()["generation"] == generation);
  CHECK(bed.server->status().value()["zones"][0]["serial"] == 1);
  CHECK(bed.server->log().find("reload (dry run): started by POST /v1/reload?dry_run=1") !=
        std::string::npos);
  // A broken configuration: the dry run says it would be refused, and still nothing changes.
  bed.server->write_config_text("{\"zones\": 1}");
  HttpResponse refused = bed.server->admin().post("/v1/reload?dry_run=1");
  INFO(refused.body);
  CHECK(refused.status == 422);
  CHECK(refused.body.find("would be refused") != std::string::npos);
  CHECK(bed.server->status().value()["generation"] == generation);
  bed.server->write_config(bed.setup);
  HttpResponse real = bed.server->admin().post("/v1/reload");
  REQUIRE(real.status == 200);
  CHECK(bed.server->status().value()["generation"] == generation + 1);
  CHECK(bed.server->status().value()["zones"][0]["serial"] == 2);
}

TEST_CASE(
    "a reload refuses a zone changed without a serial bump and warns when a restart-only setting changed",
    "[integration][admin][reload]") {
  CtlBed bed;
  const std::string zone = folder_of(bed.server->config_path()) + "/fo.test.zone";
  const std::string original = read_file(zone);
  write_file(zone, health_zone(1) + "extra IN A 192.0.2.77\n");  // new data, serial still 1
  for (bool dry : {true, false}) {
    HttpResponse r = bed.server->admin().post(dry ? "/v1/reload?dry_run=1" : "/v1/reload");
    INFO((dry ? "dry run: " : "reload: ") << r.body);
    CHECK(r.status == 422);
    CHECK(r.body.find("zone fo.test.: the content changed but the serial is still 1: refused") !=
          std::string::npos);
  }
  CHECK(bed.server->log().find("zone fo.test.: the content changed but the serial is still 1: refused") !=
        std::string::npos);
  write_file(zone, original);
  std::string config = read_file(bed.server->config_path());
  config.replace(config.find("{\n"), 2, "{\n  \"threads\": 3,\n  \"tcp\": {\"max_connections\": 99},\n");
  bed.server->write_config_text(config);
  for (bool dry : {true, false}) {
    HttpResponse r = bed.server->admin().post(dry ? "/v1/reload?dry_run=1" : "/v1/reload");
    INFO((dry ? "dry run: " : "reload: ") << r.body);
    REQUIRE(r.status == 200);
    std::string warnings = json::parse(r.body)["warnings"].dump();
    CHECK(warnings.find("threads changes only at restart") != std::string::npos);
    CHECK(
        warnings.find("tcp.max_connections changes only at restart: still 1024, the configuration says 99") !=
        std::string::npos);
  }
  std::string log = bed.server->log();
  INFO(log);
  CHECK(log.find(" warn reload: threads changes only at restart") != std::string::npos);
  // A second reload still warns about threads: the running value is what the process started with, not
  // what the last reload read.
  HttpResponse again = bed.server->admin().post("/v1/reload");
  REQUIRE(again.status == 200);
  std::string warnings = json::parse(again.body)["warnings"].dump();
  CHECK(warnings.find("threads changes only at restart") != std::string::npos);
}
