// SPDX-License-Identifier: MIT
// A minimal blocking HTTP/1.1 client for black-box tests of the admin API: one request per connection
// (Connection: close), Content-Length or read-to-EOF bodies, every step bounded by a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sgdns::test {

using Millis = std::chrono::milliseconds;

struct HttpResponse {
  int status = 0;  // 0 when no complete status line arrived (see `error`)
  std::string reason;
  std::map<std::string, std::string> headers;  // names lowercased; a repeated header keeps the last value
  std::string body;
  std::string error;    // why the exchange failed ("" on success)
  bool closed = false;  // the server closed the connection (EOF or reset)

  // The header's value, or "" when absent. `name` is matched case-insensitively.
  std::string header(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, sent as is
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with a Content-Length when non-empty (or when the method is PUT/POST)
};

// Connects to host:port (an IPv4 or IPv6 literal), sends `request`, reads the reply until the body is
// complete or the peer closes. The whole exchange is bounded by `timeout`. Never throws.
HttpResponse http_request(const std::string& host, uint16_t port, const HttpRequest& request,
                          Millis timeout = Millis(5000));

// Sends `parts` as they are (any bytes: malformed HTTP on purpose), pausing `pause` between them (a slow
// client), stopping early when the server answers or closes, then reads the reply. A connection closed
// without a byte gives status 0, `closed` set and error "connection closed without a reply".
HttpResponse raw_http_exchange(const std::string& host, uint16_t port, const std::vector<std::string>& parts,
                               Millis pause = Millis(0), Millis timeout = Millis(5000));

// The admin API of one sgdns: GET/PUT/DELETE/POST with the bearer token on writes.
class AdminClient {
 public:
  AdminClient(std::string host, uint16_t port, std::string token)
      : host_(std::move(host)), port_(port), token_(std::move(token)) {}

  HttpResponse get(const std::string& target) const { return send("GET", target, "", false); }
  HttpResponse put(const std::string& target, const std::string& body) const {
    return send("PUT", target, body, true);
  }
  HttpResponse del(const std::string& target) const { return send("DELETE", target, "", true); }
  HttpResponse post(const std::string& target, const std::string& body = "") const {
    return send("POST", target, body, true);
  }
  // Any request, with `authorization` as the Authorization header value ("" sends none).
  HttpResponse send_as(const std::string& method, const std::string& target, const std::string& body,
                       const std::string& authorization) const;

  uint16_t port() const { return port_; }
  const std::string& token() const { return token_; }

 private:
  HttpResponse send(const std::string& method, const std::string& target, const std::string& body,
                    bool with_token) const {
    return send_as(method, target, body, with_token ? "Bearer " + token_ : "");
  }
  std::string host_;
  uint16_t port_;
  std::string token_;
};

}  // namespace sgdns::test
