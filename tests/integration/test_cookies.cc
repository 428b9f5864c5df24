// SPDX-License-Identifier: MIT
// DNS Cookies across a fleet: two servers that share a secret file accept each other's cookies; a
// rotation through the file (new secret second, then first, then alone) never refuses a cookie before
// its time; a broken secret file is refused at start and at reload with the file and line.
#include <signal.h>

#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSecret1 = "e5e973e5a6b2a43f48e7dc849e37bfcf";
constexpr const char* kSecret2 = "445536bcd2513298075a5d379663c962";

struct CookieServer {
  CookieServer(const std::string& zone_path, const std::string& secret_file) : admin_port(free_port()) {
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--zone", "it.test.=" + zone_path, "--cookie-secret-file", secret_file,
                                 "--admin", "127.0.0.1:" + std::to_string(admin_port)});
    bool ready = server->wait_ready("it.test.");
    INFO(server->stderr_text());
    REQUIRE(ready);
  }
  /// kdig +cookie[=COOKIE] www.it.test A; returns the cookie in the reply (48 hex digits) or "".
  std::string ask(const std::string& cookie = "") const {
    CommandResult r =
        run_command("kdig @127.0.0.1 -p " + std::to_string(server->port()) + " +timeout=2 +retry=0 +cookie" +
                        (cookie.empty() ? "" : "=" + cookie) + " www.it.test A",
                    Millis(10000));
    std::smatch m;
    if (r.output.find("status: NOERROR") == std::string::npos ||
        !std::regex_search(r.output, m, std::regex(";; COOKIE: ([0-9A-F]{48})")))
      return "";
    return m[1];
  }
  double cookies(const std::string& result) const {
    HttpRequest get;
    get.target = "/metrics";
    std::string text = http_request("127.0.0.1", admin_port, get).body;
    std::string sample = "sgdns_cookies_total{result=\"" + result + "\"} ";
    auto at = text.find("\n" + sample);
    return at == std::string::npos ? -1 : std::stod(text.substr(at + sample.size() + 1));
  }
  /// SIGHUP, then waits for the reload's log line (`done` or `refused`): true when it was done.
  bool reload() {
    const std::string before = server->stderr_text();
    const std::size_t done = count(before, "reload: done"), refused = count(before, "reload refused");
    REQUIRE(server->signal(SIGHUP));
    for (auto deadline = Clock::now() + Millis(5000); Clock::now() < deadline;
         std::this_thread::sleep_for(Millis(20))) {
      const std::string log = server->stderr_text();
      if (count(log, "reload: done") > done) return true;
      if (count(log, "reload refused") > refused) return false;
    }
    FAIL("no reload logged after SIGHUP");
    return false;
  }
  static std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }
  uint16_t admin_port;
  std::unique_ptr<ServerProcess> server;
};

}  // namespace

TEST_CASE("servers sharing a secret file accept each other's cookies; a rotation refuses none early",
          "[integration][cookie]") {
  TempDir dir;
  const std::string zone = dir.write("it.test.zone", integration_zone());
  const std::string secret_a = dir.write("a.secret", std::string("# fleet secret\n") + kSecret1 + "\n");
  const std::string secret_b = dir.write("b.secret", std::string(kSecret1) + "\n");
  CookieServer a(zone, secret_a), b(zone, secret_b);

  const std::string issued = a.ask();
  REQUIRE(issued.size() == 48);
  CHECK(b.ask(issued).size() == 48);
  CHECK(b.cookies("valid") == 1);  // made by A, good at B

  // Rotation step 1: the new secret goes in second (accepted, not yet used).
  write_file(secret_b, std::string(kSecret1) + "\n" + kSecret2 + "\n");
  REQUIRE(b.reload());
  CHECK_FALSE(b.ask(issued).empty());
  CHECK(b.cookies("valid") == 2);
  // Step 2: the new secret makes cookies, the old one is still accepted.
  write_file(secret_b, std::string(kSecret2) + "\n" + kSecret1 + "\n");
  REQUIRE(b.reload());
  const std::string renewed = b.ask(issued);
  CHECK(b.cookies("valid") == 3);
  CHECK(renewed != issued);  // reissued with the new secret
  // Step 3: the old secret is gone: a cookie made with it is no longer ours; the new one is.
  write_file(secret_b, std::string(kSecret2) + "\n");
  REQUIRE(b.reload());
  CHECK_FALSE(b.ask(issued).empty());
  CHECK(b.cookies("bad") == 1);
  CHECK_FALSE(b.ask(renewed).empty());
  CHECK(b.cookies("valid") == 4);
}

TEST_CASE("a broken cookie secret file stops the start, and a reload to one is refused",
          "[integration][cookie]") {
  TempDir dir;
  const std::string zone = dir.write("it.test.zone", integration_zone());
  const std::string bad = dir.write("bad.secret", "not-a-secret\n");
  ServerProcess broken({"--zone", "it.test.=" + zone, "--cookie-secret-file", bad});
  auto status = broken.wait_exit(Millis(10000));
  REQUIRE(status);
  CHECK(*status == 2);
  CHECK_THAT(broken.stderr_text(),
             Catch::Contains("cookies.secret_file " + bad + ":1: expected 32 hex digits (a 128-bit secret)"));

  const std::string good = dir.write("good.secret", std::string(kSecret1) + "\n");
  CookieServer server(zone, good);
  const std::string issued = server.ask();
  write_file(good, "0123\n");
  CHECK_FALSE(server.reload());
  CHECK_THAT(server.server->stderr_text(), Catch::Contains("reload refused, still serving generation 1"));
  CHECK_FALSE(server.ask(issued).empty());
  CHECK(server.cookies("valid") == 1);  // the old secret is still in service
}
