// SPDX-License-Identifier: MIT
// Health-check test beds: real HTTP backends (Debian's python3 -m http.server on 127.0.0.X) that a test can
// kill, hang (SIGSTOP) and restart, and an sgdns configured to probe them with its admin API enabled.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dns_client.h"
#include "http_client.h"
#include "process.h"
#include "temp_dir.h"

namespace sgdns::test {

// The interpreter the backends run under: Debian's, never a pyenv shim.
inline constexpr const char* kPython = "/usr/bin/python3";

// A TCP port that is currently free on every one of `addresses` (and on 127.0.0.1 for UDP and TCP).
uint16_t free_port_on(const std::vector<std::string>& addresses);

// `python3 -m http.server PORT --bind ADDRESS --directory DIR`, DIR holding an index.html that says "ok".
// The destructor kills it (also when it is stopped), so a failing test leaves nothing behind.
class HttpBackend {
 public:
  HttpBackend(std::string address, uint16_t port);
  ~HttpBackend();
  HttpBackend(const HttpBackend&) = delete;
  HttpBackend& operator=(const HttpBackend&) = delete;

  // Starts the server (again); a previous instance must be gone (see kill()).
  void start();
  // True once GET / answers 200 with "ok", false when it died or `timeout` passed.
  bool wait_serving(Millis timeout = Millis(10000));
  // SIGKILL and reap: the port refuses connections from now on.
  void kill();
  // SIGSTOP: connections are still accepted by the kernel but nothing answers (a hung backend).
  void pause();
  // SIGCONT after pause().
  void resume();
  bool running();

  const std::string& address() const { return address_; }
  uint16_t port() const { return port_; }
  std::string log() const;

 private:
  std::string address_;
  uint16_t port_;
  TempDir dir_;  // the document root and the logs
  int starts_ = 0;
  bool paused_ = false;
  std::unique_ptr<Process> process_;
};

// What the generated sgdns configuration says (the brief's shape: one checked pool "edge" of three loopback
// members behind "www.fo.test.").
struct HealthSetup {
  std::vector<std::string> members{"127.0.0.2", "127.0.0.3", "127.0.0.4"};
  uint16_t check_port = 0;
  std::string start_up = "up";
  std::string policy = "multivalue";
  int ttl = 5;
  int max_answers = 3;
  // Members of an unchecked pool "backup", listed after "edge" in the record, when non-empty.
  std::vector<std::string> backup_members;
  std::string failover_budget = "30s";
  uint32_t serial = 1;
};

inline constexpr const char* kHealthZone = "fo.test.";
inline constexpr const char* kHealthName = "www.fo.test.";

// The JSON configuration for `setup` with the admin API on 127.0.0.1:admin_port (files relative to it:
// fo.test.zone, token.txt, overrides.json).
std::string health_config(const HealthSetup& setup, uint16_t admin_port);
// The zone fo.test. with `serial`.
std::string health_zone(uint32_t serial);

// sgdns with a health configuration in a scratch directory, listening for DNS on a fresh port and for the
// admin API on a port fixed for its lifetime (so a restart finds the same admin port and state file).
class HealthServer {
 public:
  explicit HealthServer(const HealthSetup& setup, bool start_now = true);

  // Starts sgdns (again) with the files as they are now; any previous process must be gone.
  void start();
  // The SOA answers over UDP (the process is serving DNS) and GET /v1/status answers 200.
  bool wait_ready(Millis timeout = Millis(10000));
  // The SOA answers over UDP (for configurations where /v1/status needs a token).
  bool wait_dns(Millis timeout = Millis(10000)) {
    return server_->wait_ready(kHealthZone, "127.0.0.1", timeout);
  }
  // SIGKILL and reap.
  void kill9();
  bool running() { return server_ && server_->process().running(); }
  bool signal(int sig) { return server_ && server_->signal(sig); }
  std::optional<int> wait_exit(Millis timeout) { return server_->wait_exit(timeout); }

  // Rewrites the configuration or the zone in place (atomically).
  void write_config(const HealthSetup& setup) const;
  void write_config_text(const std::string& text) const;
  void write_zone(uint32_t serial) const;

  Endpoint dns() const { return Endpoint("127.0.0.1", server_->port()); }
  const AdminClient& admin() const { return admin_; }
  std::string log() const { return server_ ? server_->stderr_text() : ""; }
  const std::string& config_path() const { return config_path_; }
  const std::string& state_path() const { return state_path_; }

  // The A addresses answered for `name` over UDP, or nullopt when no (decodable) reply came within 1 s.
  std::optional<std::set<std::string>> addresses(const std::string& name = kHealthName) const;
  // GET /v1/status parsed, or nullopt when it does not answer 200 with JSON.
  std::optional<nlohmann::json> status() const;
  // The status entry of endpoint "edge/<address>" (or any full name), or null JSON when absent.
  nlohmann::json endpoint(const std::string& name) const;

 private:
  TempDir dir_;
  std::string config_path_, state_path_;
  uint16_t admin_port_;
  AdminClient admin_;
  std::unique_ptr<ServerProcess> server_;
};

// A set of addresses as "{a, b}" for messages.
std::string describe(const std::set<std::string>& addresses);
std::string describe(const std::optional<std::set<std::string>>& addresses);

}  // namespace sgdns::test
