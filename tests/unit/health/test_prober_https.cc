// SPDX-License-Identifier: MIT
// HTTPS checks: TLS against a plain-HTTP port, and, when the `openssl` tool exists, a real TLS server
// (`openssl s_server` with a self-signed certificate made at test time) for verify_tls, SNI and Host.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "health_recorder.h"
#include "health_test_server.h"
#include "sgdns/health/prober.h"

extern char** environ;

using namespace sgdns::health;
using namespace sgdns::health_test;
using namespace std::chrono_literals;

namespace {

/// A child process we started; terminated (bounded) and reaped on destruction.
class Child {
 public:
  /// Starts `args` (searched in PATH) with stdin, stdout and stderr on /dev/null.
  explicit Child(const std::vector<std::string>& args) {
    posix_spawn_file_actions_t io;
    posix_spawn_file_actions_init(&io);
    for (int fd : {0, 1, 2})
      posix_spawn_file_actions_addopen(&io, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, argv[0], &io, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&io);
  }
  ~Child() {
    if (pid_ <= 0 || exited_) return;
    kill(pid_, SIGTERM);
    if (wait_exit(2s) < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  /// The exit status, or -1 if it is still running after `limit`.
  int wait_exit(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

bool run(const std::vector<std::string>& args) {
  Child c(args);
  return c.started() && c.wait_exit(15s) == 0;
}

/// A temporary directory removed on destruction.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sgdns-health-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

Endpoint https_endpoint(std::uint32_t id, std::uint16_t port, std::string host, bool verify) {
  Endpoint e = fast_endpoint(id, "127.0.0.1", port, CheckType::Https);
  e.check.host = std::move(host);
  e.check.verify_tls = verify;
  e.check.fall = 1;
  e.check.timeout_ms = 2000;  // s_server handles one connection at a time
  return e;
}

}  // namespace

TEST_CASE("Prober: HTTPS to a plain-HTTP port is a TLS failure", "[health]") {
  TestHttpServer server;  // answers a ClientHello with "400 Bad Request", as real servers do
  Recorder rec;
  Prober prober(rec.listener());
  Endpoint e = fast_endpoint(1, "127.0.0.1", server.port(), CheckType::Https);
  e.check.verify_tls = false;
  e.check.fall = 1;
  prober.set_endpoints({e});
  prober.start();
  REQUIRE(rec.wait_flip(1, false));
  Event ev = rec.events(1).front();
  INFO(ev.result.detail);
  CHECK((ev.result.failure == Failure::Tls || ev.result.failure == Failure::Other));
  CHECK(ev.result.http_status == 0);
}

TEST_CASE("Prober: HTTPS against openssl s_server: verify_tls, SNI from host, body", "[health]") {
  if (!run({"openssl", "version"})) {
    WARN("no openssl tool: real TLS server not covered");
    return;
  }
  TempDir dir;
  REQUIRE(!dir.path.empty());
  std::string key = dir.path + "/key.pem", cert = dir.path + "/cert.pem";
  REQUIRE(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=health.test", "-addext",
               "subjectAltName=DNS:health.test"}));

  std::uint16_t port = free_port();
  REQUIRE(port != 0);
  // -servername with -servername_fatal: a ClientHello naming another host is rejected, which shows
  // that the SNI really comes from check.host (through CURLOPT_RESOLVE).
  Child server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert", cert, "-key",
                key, "-cert2", cert, "-key2", key, "-servername", "health.test", "-servername_fatal", "-www",
                "-quiet"});
  REQUIRE(server.started());
  bool listening = false;
  for (int i = 0; i < 100 && !(listening = accepts("127.0.0.1", port)); ++i)
    std::this_thread::sleep_for(20ms);
  REQUIRE(listening);

  Recorder rec;
  Prober prober(rec.listener());
  Endpoint named = https_endpoint(1, port, "health.test", false);
  named.check.body_contains = "s_server";  // -www echoes its command line in the page
  Endpoint verified = https_endpoint(2, port, "health.test", true);  // self-signed: must fail
  Endpoint wrong_name = https_endpoint(3, port, "wrong.test", false);
  Endpoint by_address = https_endpoint(4, port, "", false);
  prober.set_endpoints({named, verified, wrong_name, by_address});
  prober.start();

  REQUIRE(rec.wait_results(1, 2, 8s));
  REQUIRE(rec.wait_results(2, 1, 8s));
  REQUIRE(rec.wait_results(3, 1, 8s));
  REQUIRE(rec.wait_results(4, 1, 8s));
  for (const Event& e : rec.events(1)) {
    INFO(e.result.detail);
    CHECK(e.result.ok);
    CHECK(e.result.http_status == 200);
  }
  Event v = rec.events(2).front();
  INFO(v.result.detail);
  CHECK(v.result.failure == Failure::Tls);
  Event w = rec.events(3).front();
  INFO(w.result.detail);
  CHECK(w.result.failure == Failure::Tls);
  Event a = rec.events(4).front();
  INFO(a.result.detail);
  CHECK(a.result.ok);
}
