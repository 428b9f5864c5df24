// SPDX-License-Identifier: MIT
// The admin HTTP API (civetweb): routing, bearer-token auth for writes, body limits, JSON errors.
// What each route does is the Backend's job (the control loop implements it).
//
//   GET    /metrics                          Prometheus text exposition
//   GET    /v1/status                        zones, endpoints, overrides, records' worst-case failover
//   PUT    /v1/overrides/{pool}/{member}     {"state": "up"|"down", "reason": "...", "expires": SECONDS}
//   DELETE /v1/overrides/{pool}/{member}
//   GET    /v1/explain?name=&type=&client=&ecs=
//   POST   /v1/reload
// Writes need `Authorization: Bearer TOKEN`: none or a wrong one gets 401. Bad JSON gets 400 with the
// parser's reason, an unknown route or pool 404, a body over 64 KiB 413.
#pragma once
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sgdns/config/address.h"

namespace sgdns::admin {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

/// A JSON error body: {"error": message}.
[[nodiscard]] Response error(int status, const std::string& message);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Response status() = 0;
  virtual Response set_override(const std::string& pool, const std::string& member,
                                const nlohmann::json& body) = 0;
  virtual Response clear_override(const std::string& pool, const std::string& member) = 0;
  virtual Response explain(const std::map<std::string, std::string>& params) = 0;
  virtual Response reload() = 0;
  virtual Response metrics() = 0;
};

class AdminServer {
 public:
  /// Largest request body accepted.
  static constexpr std::size_t kMaxBody = 64 * 1024;

  /// Listens at once; throws std::runtime_error naming the address when it cannot. An empty `token`
  /// refuses every write (403).
  AdminServer(const config::SocketAddress& listen, std::string token, Backend& backend);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Routes one request (exposed for tests that do not want sockets).
  [[nodiscard]] Response handle(const std::string& method, const std::string& path, const std::string& query,
                                const std::string* authorization, const std::string& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sgdns::admin
