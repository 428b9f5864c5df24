// SPDX-License-Identifier: MIT
// Admin API routing and its error cases, through AdminServer::handle and over a real socket.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "sgdns/admin/admin_server.h"

using namespace sgdns;

namespace {

class FakeBackend : public admin::Backend {
 public:
  std::string last;
  admin::Response status() override { return ok("status"); }
  admin::Response set_override(const std::string& pool, const std::string& member,
                               const nlohmann::json& body) override {
    if (pool != "edge") return admin::error(404, "no pool");
    return ok("set " + pool + "/" + member + " " + body.dump());
  }
  admin::Response clear_override(const std::string& pool, const std::string& member) override {
    return ok("clear " + pool + "/" + member);
  }
  admin::Response explain(const std::map<std::string, std::string>& params) override {
    return ok("explain " + params.at("name") + " " + params.at("ecs"));
  }
  admin::Response reload() override { return ok("reload"); }
  admin::Response metrics() override { return {200, "sgdns_x 1\n", "text/plain"}; }

 private:
  admin::Response ok(std::string what) {
    last = what;
    return {200, "{}"};
  }
};

const std::string kToken = "0123456789abcdef-token";
const std::string kAuth = "Bearer " + kToken;

int free_tcp_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("admin routes and their error statuses", "[admin]") {
  FakeBackend backend;
  admin::AdminServer server(config::parse_socket_address("127.0.0.1:" + std::to_string(free_tcp_port())),
                            kToken, backend);
  auto h = [&](const char* method, const char* path, const std::string* auth, const std::string& body = "",
               const char* query = "") { return server.handle(method, path, query, auth, body).status; };
  CHECK(h("GET", "/v1/status", nullptr) == 200);
  CHECK(h("GET", "/metrics", nullptr) == 200);
  CHECK(h("GET", "/v1/nothing", nullptr) == 404);
  CHECK(h("GET", "/", nullptr) == 404);
  CHECK(h("POST", "/v1/status", &kAuth) == 405);
  // Writes need the token.
  CHECK(h("POST", "/v1/reload", nullptr) == 401);
  std::string wrong = "Bearer nope";
  CHECK(h("POST", "/v1/reload", &wrong) == 401);
  std::string basic = "Basic " + kToken;
  CHECK(h("POST", "/v1/reload", &basic) == 401);
  CHECK(h("POST", "/v1/reload", &kAuth) == 200);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", nullptr, R"({"state": "down"})") == 401);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", &kAuth, "{not json") == 400);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", &kAuth, "[1, 2]") == 400);
  CHECK(h("PUT", "/v1/overrides/edge/192.0.2.1", &kAuth, R"({"state": "down"})") == 200);
  CHECK(backend.last == R"(set edge/192.0.2.1 {"state":"down"})");
  CHECK(h("PUT", "/v1/overrides/cdn/cname", &kAuth, R"({"state": "down"})") == 404);
  CHECK(h("DELETE", "/v1/overrides/edge/192.0.2.1", &kAuth) == 200);
  CHECK(h("GET", "/v1/explain", nullptr, "", "name=www.example.&ecs=192.0.2.0%2F24") == 200);
  CHECK(backend.last == "explain www.example. 192.0.2.0/24");
  auto bad = server.handle("PUT", "/v1/overrides/edge/x", "", &kAuth, "{");
  CHECK(nlohmann::json::parse(bad.body)["error"].get<std::string>().rfind("invalid JSON", 0) == 0);
}

TEST_CASE("without a token every write is refused", "[admin]") {
  FakeBackend backend;
  admin::AdminServer server(config::parse_socket_address("127.0.0.1:" + std::to_string(free_tcp_port())), "",
                            backend);
  CHECK(server.handle("POST", "/v1/reload", "", &kAuth, "").status == 403);
  CHECK(server.handle("GET", "/v1/status", "", nullptr, "").status == 200);
}

TEST_CASE("the admin port answers HTTP and refuses oversized bodies with 413", "[admin]") {
  FakeBackend backend;
  int port = free_tcp_port();
  admin::AdminServer server(config::parse_socket_address("127.0.0.1:" + std::to_string(port)), kToken,
                            backend);
  auto request = [&](const std::string& text) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    std::string reply;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return reply;
  };
  CHECK(request("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
  CHECK(request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").find("sgdns_x 1") != std::string::npos);
  std::string big(admin::AdminServer::kMaxBody + 1, 'x');
  CHECK(request("PUT /v1/overrides/edge/a HTTP/1.1\r\nHost: x\r\nAuthorization: " + kAuth +
                "\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big)
            .rfind("HTTP/1.1 413", 0) == 0);
  std::string unauthorized = request("POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  CHECK(unauthorized.rfind("HTTP/1.1 401", 0) == 0);
  CHECK(unauthorized.find("WWW-Authenticate: Bearer") != std::string::npos);
}
