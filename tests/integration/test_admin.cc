// SPDX-License-Identifier: MIT
// Black-box admin API: overrides (applied before the reply, persisted across kill -9, expiring), errors over
// real HTTP, reload, explain, the failover budget at start and /metrics checked by promtool.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <sstream>
#include <thread>

#include "http_backend.h"
#include "test_helpers.h"

using namespace sgdns::test;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
using Addresses = std::set<std::string>;

const Addresses kAll{"127.0.0.2", "127.0.0.3", "127.0.0.4"};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

json parse(const HttpResponse& r) {
  return json::parse(r.body, nullptr, false);
}

std::string show(const HttpResponse& r) {
  return std::to_string(r.status) + " " + r.reason + (r.error.empty() ? "" : " [" + r.error + "]") + "\n" +
         r.body;
}

// Three healthy backends and an sgdns probing them with the admin API on.
struct AdminBed {
  explicit AdminBed(const std::function<void(HealthSetup&)>& adjust = {})
      : port(free_port_on({"127.0.0.2", "127.0.0.3", "127.0.0.4"})) {
    for (const auto& a : kAll) backends.push_back(std::make_unique<HttpBackend>(a, port));
    for (auto& b : backends) b->start();
    for (auto& b : backends) {
      bool serving = b->wait_serving();
      INFO("backend " << b->address() << " log:\n" << b->log());
      REQUIRE(serving);
    }
    setup.check_port = port;
    if (adjust) adjust(setup);
    server = std::make_unique<HealthServer>(setup);
    bool ready = server->wait_ready();
    INFO("sgdns log:\n" << server->log());
    REQUIRE(ready);
    require_answer(kAll);
  }

  const AdminClient& admin() const { return server->admin(); }

  // Polls (bounded) until the DNS answer is `want`.
  void require_answer(const Addresses& want, Millis limit = Millis(5000)) const {
    auto deadline = Clock::now() + limit;
    std::optional<Addresses> last;
    while (Clock::now() < deadline) {
      last = server->addresses();
      if (last == want) return;
      std::this_thread::sleep_for(Millis(50));
    }
    INFO("expected " << describe(want) << ", last answer " << describe(last) << "\nsgdns log:\n"
                     << server->log());
    FAIL("the answer did not become " << describe(want));
  }

  HttpBackend& backend(const std::string& address) {
    for (auto& b : backends)
      if (b->address() == address) return *b;
    throw std::logic_error("no backend " + address);
  }

  uint16_t port;
  HealthSetup setup;
  std::vector<std::unique_ptr<HttpBackend>> backends;
  std::unique_ptr<HealthServer> server;
};

const char* kOverride3 = "/v1/overrides/edge/127.0.0.3";

}  // namespace

TEST_CASE("an override changes the answer before its HTTP reply returns; DELETE undoes it",
          "[integration][admin]") {
  AdminBed bed;
  HttpResponse put = bed.admin().put(kOverride3, R"({"state": "down", "reason": "maintenance"})");
  // The very first query after the reply must see it, whichever UDP worker answers.
  auto first = bed.server->addresses();
  INFO("PUT: " << show(put));
  REQUIRE(put.status == 200);
  INFO("first answer after the PUT reply: " << describe(first));
  CHECK(first == std::optional<Addresses>(Addresses{"127.0.0.2", "127.0.0.4"}));
  for (int i = 0; i < 20; ++i)
    CHECK(bed.server->addresses() == std::optional<Addresses>({"127.0.0.2", "127.0.0.4"}));
  json reply = parse(put);
  CHECK(reply.value("state", "") == "down");
  CHECK(reply.value("pool", "") == "edge");
  CHECK(reply.value("member", "") == "127.0.0.3");

  auto status = bed.server->status();
  REQUIRE(status.has_value());
  REQUIRE((*status)["overrides"].size() == 1);
  CHECK((*status)["overrides"][0].value("member", "") == "127.0.0.3");
  CHECK((*status)["overrides"][0].value("state", "") == "down");
  CHECK((*status)["overrides"][0].value("reason", "") == "maintenance");
  json endpoint = bed.server->endpoint("127.0.0.3");
  INFO("endpoint: " << endpoint.dump());
  CHECK(endpoint.value("state", "") == "up");  // the probes still say up; the override wins in DNS
  CHECK(endpoint["override"].is_object());
  CHECK(read_file(bed.server->state_path()).find("127.0.0.3") != std::string::npos);

  HttpResponse del = bed.admin().del(kOverride3);
  auto after_delete = bed.server->addresses();
  INFO("DELETE: " << show(del));
  REQUIRE(del.status == 200);
  CHECK(after_delete == std::optional<Addresses>(kAll));
  CHECK(bed.server->status().value()["overrides"].empty());
  CHECK(bed.admin().del(kOverride3).status == 404);  // nothing left to delete
}

TEST_CASE("an override up beats failing probes", "[integration][admin]") {
  AdminBed bed;
  bed.backend("127.0.0.4").kill();
  bed.require_answer({"127.0.0.2", "127.0.0.3"});
  HttpResponse put =
      bed.admin().put("/v1/overrides/edge/127.0.0.4", R"({"state": "up", "reason": "trust me"})");
  auto first = bed.server->addresses();
  INFO("PUT: " << show(put));
  REQUIRE(put.status == 200);
  CHECK(first == std::optional<Addresses>(kAll));
  CHECK(bed.server->endpoint("127.0.0.4").value("state", "") == "down");
  REQUIRE(bed.admin().del("/v1/overrides/edge/127.0.0.4").status == 200);
  CHECK(bed.server->addresses() == std::optional<Addresses>({"127.0.0.2", "127.0.0.3"}));
}

TEST_CASE("an override survives kill -9 and a restart with the same configuration", "[integration][admin]") {
  AdminBed bed;
  HttpResponse put =
      bed.admin().put("/v1/overrides/edge/127.0.0.4", R"({"state": "down", "reason": "disk replacement"})");
  INFO("PUT: " << show(put));
  REQUIRE(put.status == 200);
  CHECK(bed.server->addresses() == std::optional<Addresses>({"127.0.0.2", "127.0.0.3"}));

  bed.server->kill9();
  REQUIRE_FALSE(bed.server->running());
  bed.server->start();
  {
    bool ready = bed.server->wait_ready();
    INFO("restarted sgdns log:\n" << bed.server->log());
    REQUIRE(ready);
  }
  // Restored before the first answer.
  auto first = bed.server->addresses();
  INFO("first answer after the restart: " << describe(first) << "\nsgdns log:\n" << bed.server->log());
  CHECK(first == std::optional<Addresses>(Addresses{"127.0.0.2", "127.0.0.3"}));
  auto status = bed.server->status();
  REQUIRE(status.has_value());
  REQUIRE((*status)["overrides"].size() == 1);
  CHECK((*status)["overrides"][0].value("member", "") == "127.0.0.4");
  CHECK((*status)["overrides"][0].value("reason", "") == "disk replacement");
  CHECK(bed.server->endpoint("127.0.0.4")["override"].is_object());

  REQUIRE(bed.admin().del("/v1/overrides/edge/127.0.0.4").status == 200);
  CHECK(bed.server->addresses() == std::optional<Addresses>(kAll));
}

TEST_CASE("an override with expires disappears by itself", "[integration][admin]") {
  AdminBed bed;
  HttpResponse put = bed.admin().put("/v1/overrides/edge/127.0.0.2", R"({"state": "down", "expires": 1})");
  auto t0 = Clock::now();
  INFO("PUT: " << show(put));
  REQUIRE(put.status == 200);
  CHECK(parse(put)["expires"].is_number());
  CHECK(bed.server->addresses() == std::optional<Addresses>({"127.0.0.3", "127.0.0.4"}));
  std::optional<Addresses> last;
  double back = -1;
  while (seconds_since(t0) < 4.0) {
    last = bed.server->addresses();
    if (last == std::optional<Addresses>(kAll)) {
      back = seconds_since(t0);
      break;
    }
    std::this_thread::sleep_for(Millis(50));
  }
  INFO("last answer " << describe(last) << "\nsgdns log:\n" << bed.server->log());
  REQUIRE(back >= 0);
  CHECK(back > 0.8);   // not before it expires
  CHECK(back <= 2.5);  // and soon after
  auto status = bed.server->status();
  REQUIRE(status.has_value());
  CHECK((*status)["overrides"].empty());
}

TEST_CASE("admin API errors over real HTTP", "[integration][admin]") {
  AdminBed bed;
  const AdminClient& admin = bed.admin();
  const std::string down = R"({"state": "down"})";
  auto check_error = [](const HttpResponse& r, int status) {
    INFO(show(r));
    CHECK(r.status == status);
    json body = parse(r);
    CHECK(body.is_object());
    CHECK(body.contains("error"));
    CHECK(r.header("content-type").find("application/json") != std::string::npos);
  };

  SECTION("no token, a wrong token, a token of another scheme: 401") {
    HttpResponse none = admin.send_as("PUT", kOverride3, down, "");
    check_error(none, 401);
    CHECK_FALSE(none.header("www-authenticate").empty());
    check_error(admin.send_as("PUT", kOverride3, down, "Bearer not-the-token-0123456789"), 401);
    check_error(admin.send_as("PUT", kOverride3, down, "Bearer " + admin.token() + "x"), 401);
    check_error(admin.send_as("PUT", kOverride3, down, "Basic " + admin.token()), 401);
    check_error(admin.send_as("DELETE", kOverride3, "", ""), 401);
    check_error(admin.send_as("POST", "/v1/reload", "", ""), 401);
  }
  SECTION("bad JSON, a non-object, a bad state, unknown keys, bad expires: 400") {
    check_error(admin.put(kOverride3, "{\"state\": "), 400);
    check_error(admin.put(kOverride3, "not json at all"), 400);
    check_error(admin.put(kOverride3, "[\"down\"]"), 400);
    check_error(admin.put(kOverride3, R"({"state": "sideways"})"), 400);
    check_error(admin.put(kOverride3, R"({"state": "UP"})"), 400);  // strict: never silently "down"
    check_error(admin.put(kOverride3, R"({"state": "down", "expires": 1e12})"), 400);
    check_error(admin.put(kOverride3, R"({"state": "down", "reason": ")" + std::string(2000, 'r') + "\"}"),
                400);
    check_error(admin.put(kOverride3, R"({"state": 0})"), 400);
    check_error(admin.put(kOverride3, R"({"reason": "no state"})"), 400);
    check_error(admin.put(kOverride3, R"({"state": "down", "colour": "red"})"), 400);
    check_error(admin.put(kOverride3, R"({"state": "down", "expires": -5})"), 400);
    check_error(admin.put(kOverride3, R"({"state": "down", "reason": 7})"), 400);
  }
  SECTION("unknown pool, member or route: 404") {
    check_error(admin.put("/v1/overrides/nope/127.0.0.3", down), 404);
    check_error(admin.put("/v1/overrides/edge/192.0.2.99", down), 404);
    check_error(admin.put("/v1/overrides/edge/cname", down), 404);
    check_error(admin.get("/v1/nope"), 404);
    check_error(admin.get("/"), 404);
    check_error(admin.get("/v2/status"), 404);
    check_error(admin.put("/v1/overrides/edge", down), 404);
  }
  SECTION("a body over 64 KiB: 413") {
    std::string big = R"({"state": "down", "reason": ")" + std::string(70 * 1024, 'x') + "\"}";
    check_error(admin.put(kOverride3, big), 413);
  }
  SECTION("the wrong method: 405") {
    check_error(admin.get("/v1/reload"), 405);
    check_error(admin.post("/v1/status"), 405);
    check_error(admin.get(kOverride3), 405);
  }
  // Nothing of the above changed anything.
  CHECK(bed.server->addresses() == std::optional<Addresses>(kAll));
  auto status = bed.server->status();
  REQUIRE(status.has_value());
  CHECK((*status)["overrides"].empty());
  CHECK(bed.server->running());
}

TEST_CASE("POST /v1/reload refuses a broken configuration with 422 and keeps serving",
          "[integration][admin]") {
  AdminBed bed;
  auto serial = [&] {
    Reply soa = ask(bed.server->dns(), make_query(kHealthZone, kTypeSOA));
    auto rrsets = soa.answers_of(kTypeSOA);
    return rrsets.size() == 1 ? rrsets[0].rdata[0] : "(none)";
  };
  REQUIRE(serial().find(" 1 7200 ") != std::string::npos);
  auto generation = [&] { return bed.server->status().value().value("generation", 0); };
  int gen0 = generation();

  SECTION("a broken configuration: 422, old answers keep serving, then a fixed one: 200 with changes") {
    const std::string good = health_config(bed.setup, bed.admin().port());
    const std::vector<std::pair<std::string, std::string>> broken{
        {"invalid JSON", good.substr(0, good.size() / 2)},
        {"an unknown key", "{\"no_such_key\": 1, " + good.substr(good.find('{') + 1)},
        {"a record naming no pool",
         [&] {
           HealthSetup s = bed.setup;
           s.backup_members = {"127.0.0.9"};
           std::string t = health_config(s, bed.admin().port());
           // keep the record's reference to "backup" but drop the pool itself
           const std::string pool = ", \"backup\": {\"members\": [\"127.0.0.9\"]}";
           REQUIRE(t.find(pool) != std::string::npos);
           return t.replace(t.find(pool), pool.size(), "");
         }()},
        {"a failover budget the check cannot meet",
         [&] {
           HealthSetup s = bed.setup;
           s.failover_budget = "5s";
           return health_config(s, bed.admin().port());
         }()},
    };
    bed.server->write_zone(2);  // would show as a change if a broken reload went through
    for (const auto& [what, text] : broken) {
      bed.server->write_config_text(text);
      HttpResponse r = bed.admin().post("/v1/reload");
      INFO(what << ": " << show(r) << "\nconfig:\n" << text);
      CHECK(r.status == 422);
      CHECK(parse(r).contains("error"));
      CHECK(bed.server->addresses() == std::optional<Addresses>(kAll));
      CHECK(serial().find(" 1 7200 ") != std::string::npos);
      CHECK(generation() == gen0);
      CHECK(bed.server->running());
    }

    HealthSetup fixed = bed.setup;
    fixed.ttl = 4;
    bed.server->write_config(fixed);
    HttpResponse r = bed.admin().post("/v1/reload");
    INFO(show(r) << "\nsgdns log:\n" << bed.server->log());
    REQUIRE(r.status == 200);
    json body = parse(r);
    REQUIRE(body.contains("changes"));
    REQUIRE(body["changes"].is_array());
    CHECK(body["changes"].dump().find("serial 1 -> 2") != std::string::npos);
    CHECK(serial().find(" 2 7200 ") != std::string::npos);
    CHECK(generation() == gen0 + 1);
    // Health state carries over a reload: nothing flaps.
    CHECK(bed.server->addresses() == std::optional<Addresses>(kAll));
  }
}

TEST_CASE("GET /v1/status and /v1/explain describe the record", "[integration][admin]") {
  AdminBed bed;
  auto status = bed.server->status();
  REQUIRE(status.has_value());
  INFO("status: " << status->dump(2));
  REQUIRE((*status)["zones"].size() == 1);
  CHECK((*status)["zones"][0].value("origin", "") == "fo.test.");
  REQUIRE((*status)["endpoints"].size() == 3);
  for (const auto& e : (*status)["endpoints"]) {
    CHECK(e.value("state", "") == "up");
    CHECK(e.contains("address"));
    CHECK(e.contains("since"));
    CHECK(e.contains("probes"));
    CHECK(e.contains("failures"));
  }
  CHECK(bed.server->endpoint("127.0.0.2").value("address", "") == "127.0.0.2");
  REQUIRE((*status)["records"].size() == 1);
  const json& record = (*status)["records"][0];
  CHECK(record.value("name", "") == "www.fo.test.");
  // 1 s interval + 100 ms jitter + 150 ms recheck + 2 x 700 ms timeout, + TTL 5 s capped by health to 3 s
  REQUIRE(record["worst_case_failover_seconds"].is_number());
  CHECK(record["worst_case_failover_seconds"].get<double>() == Approx(5.65));

  HttpResponse r = bed.admin().get("/v1/explain?name=www.fo.test.&type=A&client=127.0.0.1");
  INFO("explain: " << show(r));
  REQUIRE(r.status == 200);
  json explain = parse(r);
  REQUIRE(explain.is_object());
  REQUIRE(explain["record"].is_object());
  CHECK(explain["record"].value("name", "") == "www.fo.test.");
  CHECK(explain["record"].value("policy", "") == "multivalue");
  std::string text = explain.dump();
  CHECK(text.find("www.fo.test") != std::string::npos);
  CHECK(text.find("127.0.0.2") != std::string::npos);
  CHECK(text.find("edge") != std::string::npos);
  CHECK(bed.admin().get("/v1/explain?type=A").status == 400);  // the name is required
}

TEST_CASE("a record whose failover breaks the budget is refused at start", "[integration][admin]") {
  HealthSetup setup;
  setup.check_port = 8080;
  setup.ttl = 60;
  setup.failover_budget = "5s";
  HealthServer server(setup);
  auto status = server.wait_exit(Millis(5000));
  std::string log = server.log();
  INFO("stderr:\n" << log);
  REQUIRE(status.has_value());
  CHECK(*status != 0);
  CHECK(*status < 128);
  CHECK(
      log.find(
          "records.\"www.fo.test.\": worst-case failover check web: 1s interval + 100ms jitter + 1 x "
          "150ms recheck + 2 x 700ms timeout = 2.65s to detect, + 3s TTL (ttl 60s capped by health to 3s) = "
          "5.65s exceeds failover_budget 5s") != std::string::npos);
  CHECK(nonempty_lines(log).size() == 1);
}

TEST_CASE("/metrics passes promtool check metrics and names the health metrics", "[integration][admin]") {
  const std::string promtool = "/usr/bin/promtool";
  if (::access(promtool.c_str(), X_OK) != 0)
    FAIL("promtool is missing: install the Debian package `prometheus` (scripts/deps.sh test)");
  AdminBed bed;
  // Give every family something to show: queries, probes, a flip, a reload and an override.
  for (int i = 0; i < 5; ++i) REQUIRE(bed.server->addresses().has_value());
  bed.backend("127.0.0.4").kill();
  bed.require_answer({"127.0.0.2", "127.0.0.3"});
  REQUIRE(bed.admin().post("/v1/reload").status == 200);
  REQUIRE(bed.admin().put(kOverride3, R"({"state": "down"})").status == 200);
  // Per-endpoint series appear with an endpoint's first probe result (up to one interval after start).
  auto deadline = Clock::now() + Millis(5000);
  for (bool all_probed = false; !all_probed && Clock::now() < deadline;) {
    auto status = bed.server->status();
    all_probed = status && (*status)["endpoints"].size() == 3;
    if (all_probed)
      for (const auto& e : (*status)["endpoints"]) all_probed = all_probed && e.value("probes", 0) > 0;
    if (!all_probed) std::this_thread::sleep_for(Millis(50));
  }

  HttpResponse r = bed.admin().get("/metrics");
  INFO(show(r));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").find("text/plain") != std::string::npos);
  for (const char* name : {"sgdns_queries_total", "sgdns_endpoint_up", "sgdns_health_flips_total",
                           "sgdns_probe_duration_seconds", "sgdns_reloads_total", "sgdns_zone_serial",
                           "sgdns_config_generation"}) {
    INFO("metric " << name);
    CHECK(r.body.find("\n" + std::string(name)) != std::string::npos);
  }
  CHECK(r.body.find("sgdns_endpoint_up{endpoint=\"edge/127.0.0.4\"} 0") != std::string::npos);
  CHECK(r.body.find("sgdns_endpoint_up{endpoint=\"edge/127.0.0.2\"} 1") != std::string::npos);

  TempDir dir;
  std::string path = dir.write("metrics.txt", r.body);
  CommandResult check = run_command(promtool + " check metrics < " + path, Millis(15000));
  INFO("promtool check metrics:\n" << check.output);
  CHECK_FALSE(check.timed_out);
  CHECK(check.exit_code == 0);
}

TEST_CASE("sgdns ctl drives the admin API: status, override set and clear, explain, reload",
          "[integration][admin]") {
  AdminBed bed;
  TempDir dir;
  std::string token_file = dir.write("token", bed.admin().token() + "\n");
  std::string ctl = sgdns_binary() + " ctl --admin 127.0.0.1:" + std::to_string(bed.admin().port());
  auto status = run_command(ctl + " status");
  REQUIRE(status.exit_code == 0);
  CHECK(json::parse(status.output)["endpoints"].size() == 3);
  auto set = run_command(ctl + " --token-file " + token_file +
                         " override set edge 127.0.0.3 down --reason ctl-test");
  INFO(set.output);
  REQUIRE(set.exit_code == 0);
  bed.require_answer({"127.0.0.2", "127.0.0.4"}, Millis(100));             // applied before ctl returned
  auto denied = run_command(ctl + " override clear edge 127.0.0.3 2>&1");  // no token
  CHECK(denied.exit_code == 1);
  CHECK(denied.output.find("Bearer") != std::string::npos);
  auto clear = run_command(ctl + " --token-file " + token_file + " override clear edge 127.0.0.3");
  CHECK(clear.exit_code == 0);
  bed.require_answer(kAll, Millis(100));
  auto explain = run_command(ctl + " explain www.fo.test A --client 127.0.0.1");
  REQUIRE(explain.exit_code == 0);
  CHECK(json::parse(explain.output)["record"]["name"] == "www.fo.test.");
  auto reload = run_command(ctl + " --token-file " + token_file + " reload");
  CHECK(reload.exit_code == 0);
  CHECK(json::parse(reload.output)["result"] == "reloaded");
  CHECK(run_command(ctl + " frobnicate 2>&1").exit_code == 2);
}
