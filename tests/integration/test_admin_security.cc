// SPDX-License-Identifier: MIT
// Closing the admin port and keeping its state safe: a corrupt state file never stops the start, a read
// token, TLS, the audit log, loose token files.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "http_backend.h"
#include "test_helpers.h"

using namespace sgdns::test;
namespace fs = std::filesystem;

namespace {

std::string folder_of(const std::string& path) {
  return fs::path(path).parent_path().string();
}

std::vector<std::string> files_starting(const std::string& folder, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(folder)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back(e.path().string());
  }
  return out;
}

/// The value of an unlabelled metric in a Prometheus text page, or -1 when absent.
double metric(const std::string& page, const std::string& name) {
  std::smatch m;
  if (std::regex_search(page, m, std::regex("\n" + name + " ([0-9.e+-]+)\n"))) return std::stod(m[1]);
  return -1;
}

HealthSetup setup_without_backends() {
  HealthSetup setup;
  setup.check_port = free_port();  // nothing listens: members go down, which these tests do not look at
  return setup;
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a corrupt state file: the server starts, the file is kept aside, the metric says so",
          "[integration][admin][hardening]") {
  HealthServer server(setup_without_backends(), false);
  // Strict values: "UP" is a mistake to report, not a member silently forced down.
  const std::string corrupt = R"({"overrides": [{"pool": "edge", "member": "127.0.0.3", "state": "UP"}]})";
  write_file(server.state_path(), corrupt);
  server.start();
  {
    bool ready = server.wait_ready();
    INFO("sgdns log:\n" << server.log());
    REQUIRE(ready);
  }
  std::string log = server.log();
  INFO("sgdns log:\n" << log);
  auto aside = files_starting(folder_of(server.state_path()), "overrides.json.corrupt-");
  REQUIRE(aside.size() == 1);
  CHECK(read_file(aside[0]) == corrupt);
  CHECK_FALSE(fs::exists(server.state_path()));
  CHECK(log.find(" error admin.state_file " + server.state_path() +
                 ": overrides[0].state: expected \\\"up\\\" or \\\"down\\\"; moved aside to " + aside[0] +
                 "; starting with no overrides") != std::string::npos);
  auto status = server.status();
  REQUIRE(status.has_value());
  CHECK((*status)["overrides"].empty());
  HttpResponse page = server.admin().get("/metrics");
  REQUIRE(page.status == 200);
  CHECK(metric(page.body, "sgdns_state_file_quarantined_total") == 1);

  // The next override writes a good file again, and a restart loads it without complaint.
  REQUIRE(server.admin().put("/v1/overrides/edge/127.0.0.3", R"({"state": "down"})").status == 200);
  server.kill9();
  server.start();
  REQUIRE(server.wait_ready());
  CHECK(server.status().value()["overrides"].size() == 1);
  CHECK(metric(server.admin().get("/metrics").body, "sgdns_state_file_quarantined_total") == 0);
  CHECK(files_starting(folder_of(server.state_path()), "overrides.json.corrupt-").size() == 1);
}

TEST_CASE("a read token closes status, explain and metrics; writes are audited with the requester's address",
          "[integration][admin][hardening]") {
  HealthSetup setup = setup_without_backends();
  HealthServer server(setup, false);
  const std::string folder = folder_of(server.config_path());
  const std::string read_token = "read-token-0123456789abcdef";
  write_file(folder + "/read.txt", read_token + "\n");
  ::chmod((folder + "/read.txt").c_str(), 0600);
  std::string config = health_config(setup, server.admin().port());
  const std::string key = "\"token_file\": \"token.txt\"";
  REQUIRE(config.find(key) != std::string::npos);
  config.replace(config.find(key), key.size(), key + ", \"read_token_file\": \"read.txt\"");
  server.write_config_text(config);
  server.start();
  REQUIRE(server.wait_dns());
  const AdminClient& admin = server.admin();

  for (const char* path : {"/v1/status", "/metrics", "/v1/explain?name=www.fo.test.&type=A"}) {
    INFO(path);
    CHECK(admin.send_as("GET", path, "", "").status == 401);
    CHECK(admin.send_as("GET", path, "", "Bearer wrong-token-0123456789").status == 401);
    CHECK(admin.send_as("GET", path, "", "Bearer " + read_token).status == 200);
    CHECK(admin.send_as("GET", path, "", "Bearer " + admin.token()).status ==
          200);  // the write token reads too
  }
  CHECK(admin.send_as("POST", "/v1/reload", "", "Bearer " + read_token).status == 401);  // never writes

  // The audit line names the requester; the reason is escaped onto one line.
  HttpResponse put =
      admin.put("/v1/overrides/edge/127.0.0.3",
                R"({"state": "down", "reason": "disk\n2026-01-01T00:00:00.000Z info forged"})");
  REQUIRE(put.status == 200);
  // Failed authentications are logged, at most 20 a minute.
  for (int i = 0; i < 60; ++i) admin.send_as("POST", "/v1/reload", "", "Bearer guess-" + std::to_string(i));
  std::string log = server.log();
  INFO("sgdns log:\n" << log);
  CHECK(log.find("info admin: PUT /v1/overrides/edge/127.0.0.3 from 127.0.0.1:") != std::string::npos);
  CHECK(log.find("(reason: \"disk\\n2026-01-01T00:00:00.000Z info forged\")") != std::string::npos);
  CHECK(log.find("\n2026-01-01T00:00:00.000Z info forged") == std::string::npos);
  // 12 refused reads above plus the guesses: 20 lines, then silence (21 if a minute turned meanwhile).
  int refused = count(log, "warn admin: refused ");
  CHECK(refused >= 20);
  CHECK(refused <= 21);
  CHECK(count(log, "warn admin: refused POST /v1/reload from 127.0.0.1:") >= 8);
}

TEST_CASE("a token file readable by others gets a warning", "[integration][admin][hardening]") {
  HealthServer server(setup_without_backends(), false);
  const std::string token = folder_of(server.config_path()) + "/token.txt";
  REQUIRE(::chmod(token.c_str(), 0644) == 0);
  server.start();
  REQUIRE(server.wait_dns());
  CHECK(server.log().find("warn admin.token_file " + token + ": readable by group or others: chmod 600 it") !=
        std::string::npos);
}

TEST_CASE("the admin port over TLS: certificate and key files, TLS 1.2 at least, plain HTTP refused",
          "[integration][admin][hardening]") {
  TempDir dir;
  const std::string key = dir.file("admin.key"), cert = dir.file("admin.crt"), other = dir.file("other.key");
  CommandResult made = run_command(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=sgdns-test"
      " -addext subjectAltName=IP:127.0.0.1 -keyout " +
          key + " -out " + cert +
          " 2>&1 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out " + other +
          " 2>&1",
      Millis(30000));
  INFO("openssl: " << made.output);
  REQUIRE(made.exit_code == 0);
  const std::string token = dir.write("token", "tls-token-0123456789abcdef\n");
  ::chmod(token.c_str(), 0600);
  const uint16_t admin_port = free_port();
  const std::string address = "127.0.0.1:" + std::to_string(admin_port);

  SECTION("separate certificate and key files") {
    ServedZone zone("it.test.", integration_zone(),
                    {"--admin", address, "--admin-tls-certificate", cert, "--admin-tls-key", key,
                     "--admin-token-file", token});
    CHECK(zone.server->stderr_text().find("admin API on https://" + address) != std::string::npos);
    CommandResult curl =
        run_command("curl -sS --noproxy '*' --cacert " + cert + " https://" + address + "/v1/status");
    INFO("curl: " << curl.output);
    CHECK(curl.exit_code == 0);
    CHECK(nlohmann::json::parse(curl.output, nullptr, false).contains("zones"));
    CommandResult ctl = run_command(sgdns_binary() + " ctl --admin https://" + address + " --cacert " + cert +
                                    " --token-file " + token + " reload");
    INFO("ctl: " << ctl.output);
    CHECK(ctl.exit_code == 0);
    // Without the CA the certificate is refused; plain HTTP on the TLS port gets no HTTP answer.
    CHECK(run_command("curl -sS --noproxy '*' https://" + address + "/v1/status").exit_code != 0);
    HttpResponse plain = http_request("127.0.0.1", admin_port, HttpRequest{});
    CHECK(plain.status == 0);
    // TLS 1.1 is refused.
    CommandResult old = run_command("openssl s_client -connect " + address + " -tls1_1 </dev/null 2>&1");
    CHECK(old.exit_code != 0);
    CHECK(run_command("openssl s_client -connect " + address + " -tls1_2 </dev/null 2>&1").exit_code == 0);
    REQUIRE(zone.server->process().running());
  }
  SECTION("key and certificate in one file") {
    const std::string pem = dir.write("admin.pem", read_file(key) + read_file(cert));
    ServedZone zone("it.test.", integration_zone(), {"--admin", address, "--admin-tls-certificate", pem});
    CommandResult curl =
        run_command("curl -sS --noproxy '*' --cacert " + cert + " https://" + address + "/v1/status");
    INFO("curl: " << curl.output);
    CHECK(curl.exit_code == 0);
  }
  SECTION("a key that does not match: start-up refused with the setting named") {
    ServerProcess server({"--zone", "it.test.=" + dir.write("it.test.zone", integration_zone()), "--admin",
                          address, "--admin-tls-certificate", cert, "--admin-tls-key", other});
    auto status = server.wait_exit(Millis(10000));
    INFO("log:\n" << server.stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 2);
    CHECK(server.stderr_text().find("sgdns: admin.tls_key " + other +
                                    ": not a PEM private key for the certificate") != std::string::npos);
    CHECK(server.stderr_text().find("key values mismatch") != std::string::npos);
  }
}
