// SPDX-License-Identifier: MIT
// Monitoring as code against a live sgdns: the shipped configuration, with a health check against a real
// HTTP backend (one live member, two pools whose members refuse, so a record fails open), an admin port,
// and the events that make every metric family appear (probes, failures, an override, a refused reload).
// /metrics is scraped and tests/monitoring/check_monitoring.py checks that every metric and label the alert
// rules and the Grafana dashboard use is exported, and that every alert has its runbook page. The checker is
// also run on doctored copies, which it must reject.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <regex>
#include <thread>

#include "http_backend.h"
#include "test_helpers.h"

using namespace sgdns::test;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

const std::string kSource = SGDNS_SOURCE_DIR;
const std::string kRules = kSource + "/monitoring/prometheus/sgdns.rules.yml";
const std::string kDashboard = kSource + "/monitoring/grafana/sgdns.json";
const std::string kChecker = kSource + "/tests/monitoring/check_monitoring.py";

// The shipped sgdns.json with absolute zone and GeoIP paths and a check "local" (HTTP on `port`) on three
// pools: edge-usw on the live backend, origin-primary and origin-standby on addresses where nothing listens;
// a secondary zone fetched from the sgdns on `primary_port`, for the replication metrics; and a zone signed
// with the CSK `key` that secondaries may transfer, for the signed-serial one.
json monitored_config(uint16_t port, uint16_t primary_port, const std::string& key, const TempDir& dir) {
  json c = json::parse(read_file(kSource + "/sgdns.json"));
  for (auto& z : c["zones"]) z["file"] = kSource + "/" + z["file"].get<std::string>();
  c["zones"].push_back({{"origin", "copy.test."},
                        {"file", dir.file("copy.test.zone")},
                        {"primary", {{"address", "127.0.0.1:" + std::to_string(primary_port)}}}});
  c["zones"].push_back({{"origin", "signed.test."},
                        {"file", dir.write("signed.test.zone",
                                           "$ORIGIN signed.test.\n$TTL 300\n@ SOA ns "
                                           "hostmaster 3 3600 600 86400 60\n@ NS ns\n"
                                           "ns A 192.0.2.53\n")},
                        {"dnssec", {{"keys", {{{"file", key}, {"role", "csk"}}}}}},
                        {"transfer", {{{"address", "127.0.0.1"}}}}});
  for (auto& db : c["geoip"]["databases"]) db = kSource + "/" + db.get<std::string>();
  c["checks"] = {{"local", {{"type", "http"}, {"port", port}}}};
  c["pools"]["edge-usw"] = {{"region", "us-west"}, {"members", {"127.0.0.2"}}, {"check", "local"}};
  c["pools"]["origin-primary"] = {{"members", {"127.0.0.3"}}, {"check", "local"}};
  c["pools"]["origin-standby"] = {{"members", {"127.0.0.4"}}, {"check", "local"}};
  c["records"]["origin.streamgate.example."]["types"] = {"A"};  // its pools have no IPv6 member left
  c["admin"]["token_file"] = dir.file("admin.token");
  c["admin"]["state_file"] = dir.file("overrides.json");
  return c;
}

// The value of the sample `series` (name and labels as exposed) in `scrape`, or -1 when absent.
double sample(const std::string& scrape, const std::string& series) {
  for (const std::string& line : nonempty_lines(scrape)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

CommandResult run_checker(const std::string& scrape_file, const std::string& rules,
                          const std::string& dashboard, const std::string& repo) {
  return run_command(std::string(kPython) + " " + kChecker + " --scrape " + scrape_file + " --rules " +
                         rules + " --dashboard " + dashboard + " --repo " + repo + " 2>&1",
                     Millis(30000));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the alert rules and the dashboard use only metrics and labels a live sgdns exports",
          "[integration][monitoring]") {
  const uint16_t port = free_port_on({"127.0.0.2", "127.0.0.3", "127.0.0.4"});
  HttpBackend live("127.0.0.2", port);
  live.start();
  REQUIRE(live.wait_serving());

  TempDir dir;
  const std::string token = "monitoring-test-token-0123456789";
  REQUIRE(::chmod(dir.write("admin.token", token + "\n").c_str(), 0600) == 0);
  // The primary of the secondary zone copy.test.
  const std::string copied =
      dir.write("copy.test.primary",
                "$ORIGIN copy.test.\n$TTL 300\n@ SOA ns hostmaster 7 3600 600 86400 60\n"
                "@ NS ns\nns A 192.0.2.53\n");
  ServerProcess copy_primary({"--zone", "copy.test.=" + copied});
  REQUIRE(copy_primary.wait_ready("copy.test."));
  // The CSK of signed.test.
  CommandResult keygen =
      run_command("cd '" + dir.path() + "' && ldns-keygen -a ECDSAP256SHA256 -k signed.test", Millis(20000));
  INFO(keygen.output);
  REQUIRE(keygen.exit_code == 0);
  const std::string key = dir.file(keygen.output.substr(0, keygen.output.find('\n')));
  const std::string config_path =
      dir.write("sgdns.json", monitored_config(port, copy_primary.port(), key, dir).dump(2));
  const uint16_t admin_port = free_port();
  ServerProcess server({"--config", config_path, "--admin", "127.0.0.1:" + std::to_string(admin_port)});
  const bool ready = server.wait_ready("streamgate.example.");
  INFO("sgdns log:\n" << server.stderr_text());
  REQUIRE(ready);
  REQUIRE(server.wait_ready("copy.test."));  // its first transfer from the primary
  AdminClient admin("127.0.0.1", admin_port, token);

  // Both origin pools down and the live member probed: origin fails open from now on.
  auto state_of = [&](const json& status, const std::string& name) -> json {
    for (const auto& e : status["endpoints"])
      if (e["name"] == name) return e;
    return nullptr;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  json status;
  for (;;) {
    HttpResponse r = admin.get("/v1/status");
    if (r.status == 200) status = json::parse(r.body);
    json primary = state_of(status, "origin-primary/127.0.0.3"),
         standby = state_of(status, "origin-standby/127.0.0.4");
    json usw = state_of(status, "edge-usw/127.0.0.2");
    if (primary.is_object() && primary["state"] == "down" && standby.is_object() &&
        standby["state"] == "down" && usw.is_object() && usw["state"] == "up" && usw["probes"].get<int>() > 0)
      break;
    INFO("status: " << status.dump());
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(Millis(100));
  }

  // Queries from three regions, the failed-open record, over TCP and with a DNS Cookie.
  const std::string kdig = "kdig @127.0.0.1 -p " + std::to_string(server.port()) + " +time=2 +retry=1 ";
  for (const char* q :
       {"www.streamgate.example A +subnet=192.0.2.0/24", "www.streamgate.example A +subnet=203.0.113.0/24",
        "www.streamgate.example A +subnet=127.0.7.0/24", "origin.streamgate.example A",
        "origin.streamgate.example A +tcp", "media.streamgate.example A +cookie",
        "status.streamgate.example A", "nothere.streamgate.example A"}) {
    CommandResult r = run_command(kdig + q);
    INFO(q << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    REQUIRE(std::regex_search(r.output, std::regex("status: (NOERROR|NXDOMAIN)")));
  }
  CommandResult usw = run_command(kdig + "www.streamgate.example A +subnet=127.0.7.0/24 +short");
  CHECK(usw.output.find("127.0.0.2") != std::string::npos);  // the live, checked member of edge-usw

  // An override set and cleared; a refused reload, then a good one.
  REQUIRE(admin.put("/v1/overrides/edge-eu/192.0.2.201", R"({"state": "down", "reason": "monitoring test"})")
              .status == 200);
  REQUIRE(admin.del("/v1/overrides/edge-eu/192.0.2.201").status == 200);
  const std::string good_config = read_file(config_path);
  write_file(config_path, "{\"zones\": [\n");
  CHECK(admin.post("/v1/reload").status == 422);
  std::string refused = admin.get("/metrics").body;
  CHECK(sample(refused, "sgdns_config_last_reload_successful") == 0);
  CHECK(sample(refused, R"(sgdns_reloads_total{outcome="refused"})") == 1);
  write_file(config_path, good_config);
  REQUIRE(admin.post("/v1/reload").status == 200);

  HttpResponse metrics = admin.get("/metrics");
  REQUIRE(metrics.status == 200);
  const std::string& scrape = metrics.body;
  INFO("scrape:\n" << scrape);
  CHECK(sample(scrape, "sgdns_config_last_reload_successful") == 1);
  CHECK(sample(scrape, R"(sgdns_answers_failed_open_total{record="origin.streamgate.example."})") >= 2);
  CHECK(sample(scrape, R"(sgdns_answers_failed_open_total{record="www.streamgate.example."})") == 0);
  CHECK(sample(scrape, R"(sgdns_answers_by_pool_total{pool="edge-usw"})") >= 1);
  CHECK(sample(scrape, R"(sgdns_probe_timeout_seconds{endpoint="edge-usw/127.0.0.2"})") == Approx(0.7));
  CHECK(sample(scrape, R"(sgdns_probe_interval_seconds{endpoint="edge-usw/127.0.0.2"})") == Approx(1));
  CHECK(sample(scrape, "sgdns_failover_budget_seconds") == 30);
  // The secondary zone was fetched once (a second, later refresh may also have found it current).
  CHECK(sample(scrape, R"(sgdns_zone_transfers_in_total{result="ok",zone="copy.test."})") == 1);
  CHECK(sample(scrape, R"(sgdns_zone_transfers_in_total{result="failed",zone="copy.test."})") == 0);
  const double expires = sample(scrape, R"(sgdns_zone_expire_timestamp_seconds{zone="copy.test."})");
  const double now_s = static_cast<double>(std::time(nullptr));
  CHECK(expires > now_s + 86400 - 120);  // the SOA expire (one day) from the fetch, a minute or so ago
  CHECK(expires <= now_s + 86400 + 1);
  // The signed zone's serial dates from its file (written at the start of this test), not from the reload.
  const double signed_since =
      sample(scrape, R"(sgdns_zone_signed_serial_timestamp_seconds{zone="signed.test."})");
  // The reload changed nothing in it: every signature of its 6 RRsets and 2-name NSEC chain was kept.
  CHECK(sample(scrape, R"(sgdns_dnssec_static_rrsets{signatures="signed",zone="signed.test."})") == 0);
  CHECK(sample(scrape, R"(sgdns_dnssec_static_rrsets{signatures="kept",zone="signed.test."})") == 8);
  struct stat zone_stat {};
  REQUIRE(::stat(dir.file("signed.test.zone").c_str(), &zone_stat) == 0);
  CHECK(signed_since == Approx(static_cast<double>(zone_stat.st_mtim.tv_sec) +
                               static_cast<double>(zone_stat.st_mtim.tv_nsec) / 1e9)
                            .margin(0.001));
  CHECK(sample(scrape, R"(sgdns_failover_worst_case_seconds{record="origin.streamgate.example."})") > 0);
  CommandResult sha = run_command("sha256sum " + config_path);
  REQUIRE(sha.exit_code == 0);
  CHECK(sample(scrape, R"(sgdns_config_info{sha256=")" + sha.output.substr(0, 64) + R"("})") == 1);

  const std::string scrape_file = dir.write("scrape.txt", scrape);
  CommandResult checked = run_checker(scrape_file, kRules, kDashboard, kSource);
  std::cout << checked.output;
  INFO(checked.output);
  CHECK(checked.exit_code == 0);

  // The checker must reject what it is there to catch.
  std::string rules = read_file(kRules);
  rules = replaced(rules, "expr: sgdns_endpoint_up == 0", "expr: sgdns_endpoint_upp == 0");
  rules = replaced(rules, "sgdns_rrl_limited_total[5m]", R"(sgdns_rrl_limited_total{knd="answer"}[5m])");
  rules = replaced(rules, "sum by (job, instance, record) (rate(sgdns_answers_failed_open_total",
                   "sum by (job, instance, recrod) (rate(sgdns_answers_failed_open_total");
  rules = replaced(rules, "runbook_url: docs/runbooks/reload-failed.md",
                   "runbook_url: docs/runbooks/no-such-page.md");
  std::string dashboard =
      replaced(read_file(kDashboard), "sgdns_answers_by_pool_total", "sgdns_answers_by_pools_total");
  CommandResult rejected = run_checker(scrape_file, dir.write("bad.rules.yml", rules),
                                       dir.write("bad-dashboard.json", dashboard), kSource);
  INFO(rejected.output);
  CHECK(rejected.exit_code == 1);
  for (const char* expected :
       {"metric sgdns_endpoint_upp is not exported", "sgdns_rrl_limited_total has no label 'knd'",
        "groups by 'recrod'", "docs/runbooks/no-such-page.md does not exist",
        "docs/runbooks/reload-failed.md: no alert points at this runbook",
        "metric sgdns_answers_by_pools_total"})
    CHECK(rejected.output.find(expected) != std::string::npos);
}
