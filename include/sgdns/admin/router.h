// SPDX-License-Identifier: MIT
// The admin API as a pure function: one request (method, path, query, headers, body, peer) in, one JSON
// response out, no sockets. civetweb's callback (admin_server.cc), the unit tests and the libFuzzer target
// (tests/fuzz/fuzz_admin.cc) all call Router::handle(), so what is tested is what serves.
//
//   GET    /metrics                          Prometheus text exposition
//   GET    /status                           the status page: one self-contained HTML document (read access)
//   GET    /v1/health                        200 while the process answers (liveness; no token)
//   GET    /v1/ready                         200 once serving, 503 starting or stopping (readiness; no token)
//   GET    /v1/status                        version, config, zones, GeoIP, members' states, records
//   GET    /v1/overrides                     the operator overrides in force
//   GET    /v1/fleet                         every instance of the fleet (etcd), stragglers flagged
//   GET    /v1/explain?name=&type=&client=&ecs=
//   PUT    /v1/overrides/{pool}/{member}     {"state": "up"|"down", "reason": "...", "expires": DURATION}
//   DELETE /v1/overrides/{pool}/{member}
//   POST   /v1/reload[?dry_run=1]            a dry run says what would change and installs nothing
//
// Order of checks: unknown route 404, wrong method 405 (with Allow), then the token (writes need the write
// token: none configured 403, missing or wrong 401; reads need the read or the write token when a read token
// is configured), then the request's fields (400 with the field named, 413 for a body over kMaxBody).
// Anything the backend throws becomes a logged 500: no request can end the process.
#pragma once
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace sgdns::admin {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string allow = "";  // a 405's Allow header: the methods the route takes
};

/// JSON text in which invalid UTF-8 (which a request can smuggle into any echoed string) is replaced by
/// U+FFFD instead of making nlohmann's dump() throw. Every admin reply and `sgdns ctl` body goes through it.
[[nodiscard]] std::string json_text(const nlohmann::json& value, int indent = -1);

/// A JSON error body: {"error": message}. Never throws for any message bytes.
[[nodiscard]] Response error(int status, const std::string& message);

/// What the routes do (the control loop implements it). Arguments are validated before a call: names are
/// printable UTF-8 of at most kMaxName bytes, the body of set_override is a JSON object.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Response status() = 0;
  /// The status page (text/html).
  virtual Response status_page() = 0;
  /// `requester`: who asked (the client's address), for the fleet's audit entry.
  virtual Response set_override(const std::string& pool, const std::string& member,
                                const nlohmann::json& body, const std::string& requester) = 0;
  virtual Response clear_override(const std::string& pool, const std::string& member,
                                  const std::string& requester) = 0;
  /// GET /v1/fleet (404 when the server has no fleet).
  virtual Response fleet() = 0;
  virtual Response explain(const std::map<std::string, std::string>& params) = 0;
  virtual Response reload() = 0;
  virtual Response dry_run_reload() = 0;
  virtual Response overrides() = 0;
  virtual Response ready() = 0;
  virtual Response metrics() = 0;
};

/// One HTTP request as the HTTP layer hands it over.
struct Request {
  std::string method;
  std::string path;  // as sent, %-escapes intact (each segment is decoded on its own, so a name may hold '/')
  std::string query;  // the part after '?', %-escapes intact
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;  // the client's address, for the audit log
};

/// Bearer tokens. An empty write token refuses every write; an empty read token leaves reads open.
struct Tokens {
  std::string write;
  std::string read;
};

class Router {
 public:
  /// Largest request body accepted (413 beyond).
  static constexpr std::size_t kMaxBody = 64 * 1024;
  /// Longest pool or member name, query parameter or path accepted (400 beyond).
  static constexpr std::size_t kMaxName = 255;
  static constexpr std::size_t kMaxParameter = 1024;
  static constexpr std::size_t kMaxPath = 2048;

  Router(Backend& backend, Tokens tokens);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Routes one request. Never throws.
  [[nodiscard]] Response handle(const Request& request) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sgdns::admin
