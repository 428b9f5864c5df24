// SPDX-License-Identifier: MIT
// The admin port over a real socket: civetweb hands requests to the Router and its own errors are JSON.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fake_backend.h"
#include "sgdns/admin/admin_server.h"

using namespace sgdns;

namespace {

using sgdns::test::FakeBackend;

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

TEST_CASE("the admin port answers HTTP and refuses oversized bodies with 413", "[admin]") {
  FakeBackend backend;
  int port = free_tcp_port();
  admin::AdminServer server({dns::parse_socket_address("127.0.0.1:" + std::to_string(port)), "", ""},
                            {kToken, ""}, backend);
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

  // The request that used to end the process: civetweb decoded %ff, the 404 body threw on invalid UTF-8.
  std::string ff = request("GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ff.rfind("HTTP/1.1 404", 0) == 0);
  CHECK(ff.find("application/json") != std::string::npos);
  // Errors civetweb raises itself are JSON too.
  std::string garbage = request("\x01\x02 nonsense\r\n\r\n");
  INFO("reply to garbage: " << garbage);
  CHECK((garbage.empty() || garbage.rfind("HTTP/1.1 4", 0) == 0));
  if (!garbage.empty()) CHECK(garbage.find("{\"error\"") != std::string::npos);
  CHECK(request("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
}
