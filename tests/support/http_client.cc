// SPDX-License-Identifier: MIT
// A minimal blocking HTTP/1.1 client for black-box tests of the admin API.
#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// A non-blocking socket connected to host:port, or -1 with `error` set.
int connect_to(const std::string& host, uint16_t port, Clock::time_point deadline, std::string& error) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    error = "not an address literal: " + host;
    return -1;
  }
  int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 && errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd pfd{fd, POLLOUT, 0};
  int n;
  do {
    n = ::poll(&pfd, 1, millis_left(deadline));
  } while (n < 0 && errno == EINTR);
  int so_error = 0;
  socklen_t so_len = sizeof so_error;
  if (n <= 0) {
    error = "connect: timed out";
  } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0 || so_error != 0) {
    error = std::string("connect: ") + std::strerror(so_error ? so_error : errno);
  } else {
    return fd;
  }
  ::close(fd);
  return -1;
}

// Parses the status line and headers of `head` (without the blank line). False when malformed.
bool parse_head(const std::string& head, HttpResponse& out) {
  size_t eol = head.find("\r\n");
  std::string status_line = head.substr(0, eol);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  out.status = std::atoi(status_line.substr(9, 3).c_str());
  out.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  size_t pos = eol == std::string::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      out.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    pos = end + 2;
  }
  return out.status >= 100;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

namespace {

// Sends `parts` in order, waiting `pause` between them, and stops early once the server answers or closes
// (e.g. 413 before reading a large body). False with `out.error` set when the deadline passed first.
bool send_parts(int fd, const std::vector<std::string>& parts, Millis pause, Clock::time_point deadline,
                HttpResponse& out) {
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0 && pause.count() > 0) {
      pollfd pfd{fd, POLLIN, 0};
      int n = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(pause.count(), millis_left(deadline))));
      if (n > 0) return true;  // the server spoke (or closed) before we finished
    }
    const std::string& wire = parts[i];
    size_t sent = 0;
    while (sent < wire.size()) {
      pollfd pfd{fd, POLLIN | POLLOUT, 0};
      int n = ::poll(&pfd, 1, millis_left(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out.error = "send: timed out after " + std::to_string(sent) + " bytes";
        return false;
      }
      if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) return true;
      ssize_t w = ::send(fd, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
      if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (w <= 0) return true;  // the peer closed: read whatever it said
      sent += static_cast<size_t>(w);
    }
  }
  return true;
}

// Reads one response until its body is complete, the peer closes or the deadline passes.
void read_response(int fd, Clock::time_point deadline, HttpResponse& out) {
  std::string data;
  bool eof = false;
  size_t head_end = std::string::npos;
  long long content_length = -1;
  char buffer[16384];
  for (;;) {
    if (head_end == std::string::npos) {
      head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        if (!parse_head(data.substr(0, head_end), out)) {
          out.error = "malformed response head: " + data.substr(0, head_end);
          out.status = 0;
          return;
        }
        std::string cl = out.header("content-length");
        if (!cl.empty()) content_length = std::atoll(cl.c_str());
      }
    }
    if (head_end != std::string::npos && content_length >= 0 &&
        data.size() - (head_end + 4) >= static_cast<size_t>(content_length))
      break;
    if (eof) break;
    pollfd pfd{fd, POLLIN, 0};
    int n = ::poll(&pfd, 1, millis_left(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.error = "receive: timed out";
      break;
    }
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      eof = true;  // EOF, or a reset after the reply
      continue;
    }
    data.append(buffer, static_cast<size_t>(got));
  }
  out.closed = eof;
  if (head_end == std::string::npos) {
    if (out.error.empty())
      out.error = data.empty() ? "connection closed without a reply"
                               : "connection closed before a complete response head";
    out.status = 0;
    return;
  }
  out.body = data.substr(head_end + 4);
  if (content_length >= 0) {
    if (out.body.size() < static_cast<size_t>(content_length)) {
      if (out.error.empty()) out.error = "body shorter than Content-Length";
    } else {
      out.body.resize(static_cast<size_t>(content_length));
      out.error.clear();  // complete: a late timeout or reset does not matter
    }
  } else if (eof) {
    out.error.clear();
  }
}

}  // namespace

HttpResponse http_request(const std::string& host, uint16_t port, const HttpRequest& request,
                          Millis timeout) {
  HttpResponse out;
  auto deadline = Clock::now() + timeout;
  int fd = connect_to(host, port, deadline, out.error);
  if (fd < 0) return out;

  std::string wire = request.method + " " + request.target + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    if (lower(name) == "host") has_host = true;
    wire += name + ": " + value + "\r\n";
  }
  if (!has_host) wire += "Host: " + host + ":" + std::to_string(port) + "\r\n";
  if (!request.body.empty() || request.method == "PUT" || request.method == "POST")
    wire += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  wire += "Connection: close\r\n\r\n";
  wire += request.body;

  if (send_parts(fd, {wire}, Millis(0), deadline, out)) read_response(fd, deadline, out);
  ::close(fd);
  return out;
}

HttpResponse raw_http_exchange(const std::string& host, uint16_t port, const std::vector<std::string>& parts,
                               Millis pause, Millis timeout) {
  HttpResponse out;
  auto deadline = Clock::now() + timeout;
  int fd = connect_to(host, port, deadline, out.error);
  if (fd < 0) return out;
  if (send_parts(fd, parts, pause, deadline, out)) read_response(fd, deadline, out);
  ::close(fd);
  return out;
}

HttpResponse AdminClient::send_as(const std::string& method, const std::string& target,
                                  const std::string& body, const std::string& authorization) const {
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  return http_request(host_, port_, request);
}

}  // namespace sgdns::test
