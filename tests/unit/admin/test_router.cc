// SPDX-License-Identifier: MIT
// Admin routing, tokens and request validation through Router::handle (no sockets).
#include <catch2/catch.hpp>

#include "fake_backend.h"
#include "sgdns/admin/router.h"

using namespace sgdns;
using sgdns::test::FakeBackend;

namespace {

const std::string kToken = "0123456789abcdef-token";
const std::string kReadToken = "read-0123456789abcdef";

admin::Request request(std::string method, std::string path, std::string auth = "", std::string body = "",
                       std::string query = "") {
  admin::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  if (!auth.empty()) r.headers.emplace_back("Authorization", "Bearer " + auth);
  r.body = std::move(body);
  r.peer = "127.0.0.1:40000";
  return r;
}

/// The reply is JSON with an "error" string (unless it is a success).
void check_json_error(const admin::Response& r) {
  INFO("body: " << r.body);
  nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  REQUIRE(!doc.is_discarded());
  CHECK(doc["error"].is_string());
  CHECK(r.content_type == "application/json");
}

}  // namespace

TEST_CASE("admin routes and their error statuses", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {kToken, ""});
  auto h = [&](const char* method, const char* path, const std::string& auth = "",
               const std::string& body = "", const char* query = "") {
    return router.handle(request(method, path, auth, body, query)).status;
  };
  CHECK(h("GET", "/v1/status") == 200);
  CHECK(h("GET", "/status") == 200);
  CHECK(backend.last == "status page");
  CHECK(h("POST", "/status", kToken) == 405);
  CHECK(h("GET", "/metrics") == 200);
  CHECK(h("GET", "/v1/nothing") == 404);
  CHECK(h("GET", "/") == 404);
  CHECK(h("POST", "/v1/status", kToken) == 405);
  CHECK(h("POST", "/v1/status") == 405);  // the method is wrong whatever the token
  CHECK(h("BREW", "/v1/status") == 405);
  // Writes need the token.
  CHECK(h("POST", "/v1/reload") == 401);
  CHECK(h("POST", "/v1/reload", "nope") == 401);
  admin::Request basic = request("POST", "/v1/reload");
  basic.headers.emplace_back("Authorization", "Basic " + kToken);
  CHECK(router.handle(basic).status == 401);
  CHECK(h("POST", "/v1/reload", kToken) == 200);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", "", R"({"state": "down"})") == 401);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", kToken, "{not json") == 400);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", kToken, "[1, 2]") == 400);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", kToken, "1e999999") == 400);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", kToken, R"({"state": "down"})") == 200);
  CHECK(backend.last == R"(set edge/192.0.2.1 {"state":"down"})");
  CHECK(h("PUT", "/v1/overrides/cdn/cname", kToken, R"({"state": "down"})") == 404);
  CHECK(h("DELETE", "/v1/overrides/edge/192.0.2.1", kToken) == 200);
  CHECK(h("GET", "/v1/overrides/edge/192.0.2.1", kToken) == 405);
  CHECK(h("GET", "/v1/explain", "", "", "name=www.example.&ecs=192.0.2.0%2F24") == 200);
  CHECK(backend.last == "explain www.example. 192.0.2.0/24");
  auto bad = router.handle(request("PUT", "/v1/overrides/edge/x", kToken, "{"));
  CHECK(nlohmann::json::parse(bad.body)["error"].get<std::string>().rfind("invalid JSON", 0) == 0);
  CHECK(h("PUT", "/v1/overrides/edge/x", kToken, std::string(admin::Router::kMaxBody + 1, ' ')) == 413);
}

TEST_CASE("without a write token every write is refused", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {"", ""});
  CHECK(router.handle(request("POST", "/v1/reload", kToken)).status == 403);
  CHECK(router.handle(request("GET", "/v1/status")).status == 200);
}

TEST_CASE("a read token closes status, explain and metrics; the write token opens them too", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {kToken, kReadToken});
  for (const char* path : {"/v1/status", "/metrics", "/v1/explain", "/status"}) {
    INFO(path);
    auto none = router.handle(request("GET", path, "", "", "name=a.&ecs=b"));
    CHECK(none.status == 401);
    check_json_error(none);
    CHECK(router.handle(request("GET", path, "wrong-0123456789abcdef", "", "name=a.&ecs=b")).status == 401);
    CHECK(router.handle(request("GET", path, kReadToken, "", "name=a.&ecs=b")).status == 200);
    CHECK(router.handle(request("GET", path, kToken, "", "name=a.&ecs=b")).status == 200);
  }
  // The read token never writes.
  CHECK(router.handle(request("POST", "/v1/reload", kReadToken)).status == 401);
  CHECK(router.handle(request("POST", "/v1/reload", kToken)).status == 200);
}

TEST_CASE("invalid UTF-8 anywhere in a request gets a JSON error, never an exception", "[admin]") {
  // Before the fix, the 404 body for "/\xff" was built with nlohmann::json::dump(), which threw
  // type_error 316 on civetweb's thread and ended the process.
  CHECK_NOTHROW(admin::error(404, "no such resource: /\xff"));
  check_json_error(admin::error(404, "no such resource: /\xff\xfe\xc0\xaf"));
  FakeBackend backend;
  admin::Router router(backend, {kToken, ""});
  const std::vector<admin::Request> requests = {
      request("GET", "/\xff"),
      request("GET", "/%ff"),
      request("GET", "/v1/\xff\xfe"),
      request("PUT", "/v1/overrides/edge/\xff", kToken, R"({"state": "down"})"),
      request("PUT", "/v1/overrides/edge/%ff", kToken, R"({"state": "down"})"),
      request("PUT", "/v1/overrides/%c0%af/x", kToken, R"({"state": "down"})"),
      request("DELETE", "/v1/overrides/edge/a%0Ab", kToken),  // a newline would forge a log line
      request("PUT", "/v1/overrides/edge/x", kToken, "{\"state\": \"\xff\"}"),
      request("PUT", "/v1/overrides/edge/x", kToken, "\xff\xfe{}"),
      request("GET", "/v1/explain", "", "", "name=%ff&ecs=1"),
      request("GET", "/v1/explain", "", "", "name=%zz"),
      request("GET", "/v1/explain", "", "", "name=%f"),
      request("GET", "/v1/explain", "", "", "name=a&name=b&ecs=c"),
      request("\xff", "/v1/status"),
      request("GET", std::string(5000, '/') + "x"),
  };
  for (const auto& r : requests) {
    INFO("method " << r.method << " path " << r.path << " query " << r.query);
    admin::Response reply = router.handle(r);
    CHECK(reply.status >= 400);
    CHECK(reply.status < 500);
    check_json_error(reply);
  }
  admin::Request twice = request("POST", "/v1/reload", kToken);
  twice.headers.emplace_back("authorization", "Bearer " + kToken);
  CHECK(router.handle(twice).status == 400);
  admin::Request header = request("POST", "/v1/reload");
  header.headers.emplace_back("Authorization", "Bearer \xff\x01");
  CHECK(router.handle(header).status == 401);
  CHECK(router.handle(request("PUT", "/v1/overrides/edge/" + std::string(300, 'a'), kToken, "{}")).status ==
        400);
}

TEST_CASE("a backend that throws gets a logged 500, not a dead process", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {kToken, ""});
  admin::Response missing = router.handle(request("GET", "/v1/explain", "", "", "name=a."));
  CHECK(missing.status == 500);
  check_json_error(missing);
  backend.throw_next = true;
  admin::Response thrown = router.handle(request("GET", "/metrics"));
  CHECK(thrown.status == 500);
  check_json_error(thrown);
}

TEST_CASE("path segments are decoded once, each on its own", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {kToken, ""});
  // "%2F" stays inside the pool name; "%2525" is "%25", not "%".
  CHECK(router.handle(request("DELETE", "/v1/overrides/edge%2Feu/192.0.2.1", kToken)).status == 200);
  CHECK(backend.last == "clear edge/eu/192.0.2.1");
  CHECK(router.handle(request("DELETE", "/v1/overrides/edge/a%2525", kToken)).status == 200);
  CHECK(backend.last == "clear edge/a%25");
  CHECK(router.handle(request("GET", "/v1/explain", "", "", "name=a+b.&ecs=%31")).status == 200);
  CHECK(backend.last == "explain a b. 1");
}

TEST_CASE("a wrong method is 405 with Allow, before any token check", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {kToken, kReadToken});
  for (const std::string& auth : {std::string(), std::string("nope-0123456789abcdef"), kToken}) {
    INFO("token '" << auth << "'");
    auto r = router.handle(request("POST", "/v1/status", auth));
    CHECK(r.status == 405);
    CHECK(r.allow == "GET");
    CHECK(router.handle(request("GET", "/v1/reload", auth)).allow == "POST");
    CHECK(router.handle(request("POST", "/v1/overrides/edge/192.0.2.1", auth)).allow == "PUT, DELETE");
    CHECK(router.handle(request("PUT", "/v1/ready", auth)).allow == "GET");
  }
  CHECK(backend.last.empty());  // nothing reached the backend
}

TEST_CASE("health, readiness, the override list and a dry-run reload are routed", "[admin]") {
  FakeBackend backend;
  admin::Router router(backend, {kToken, kReadToken});
  // Liveness and readiness need no token, even with a read token set: orchestrators probe them.
  auto health = router.handle(request("GET", "/v1/health"));
  CHECK(health.status == 200);
  CHECK(nlohmann::json::parse(health.body)["alive"] == true);
  CHECK(router.handle(request("GET", "/v1/ready")).status == 200);
  CHECK(backend.last == "ready");
  CHECK(router.handle(request("GET", "/v1/overrides")).status == 401);  // a read: the read token applies
  CHECK(router.handle(request("GET", "/v1/overrides", kReadToken)).status == 200);
  CHECK(backend.last == "overrides");
  CHECK(router.handle(request("POST", "/v1/reload", kToken, "", "dry_run=1")).status == 200);
  CHECK(backend.last == "dry run");
  CHECK(router.handle(request("POST", "/v1/reload", kToken, "", "dry_run=0")).status == 200);
  CHECK(backend.last == "reload");
  CHECK(router.handle(request("POST", "/v1/reload", "", "", "dry_run=1")).status == 401);  // a write
}
