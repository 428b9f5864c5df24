// SPDX-License-Identifier: MIT
// Test-only servers for the prober: plain POSIX sockets, every wait bounded.
#include "health_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace sgdns::health_test {
namespace {

/// Fills `out` for address:port; returns its length (0 when the address is not a literal).
socklen_t make_address(const std::string& address, std::uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.find(':') != std::string::npos) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&out);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    return inet_pton(AF_INET6, address.c_str(), &a6->sin6_addr) == 1 ? sizeof(sockaddr_in6) : 0;
  }
  auto* a4 = reinterpret_cast<sockaddr_in*>(&out);
  a4->sin_family = AF_INET;
  a4->sin_port = htons(port);
  return inet_pton(AF_INET, address.c_str(), &a4->sin_addr) == 1 ? sizeof(sockaddr_in) : 0;
}

/// A listening socket on address:port (0: ephemeral); -1 on failure. `port` receives the bound port.
int listen_on(const std::string& address, std::uint16_t& port, int backlog) {
  sockaddr_storage sa{};
  socklen_t len = make_address(address, port, sa);
  if (len == 0) return -1;
  int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || listen(fd, backlog) != 0) {
    close(fd);
    return -1;
  }
  socklen_t got = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &got);
  port = ntohs(sa.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
  return fd;
}

/// Starts a non-blocking connect; the socket (or -1).
int connect_nonblocking(const std::string& address, std::uint16_t port) {
  sockaddr_storage sa{};
  socklen_t len = make_address(address, port, sa);
  if (len == 0) return -1;
  int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  (void)connect(fd, reinterpret_cast<sockaddr*>(&sa), len);
  return fd;
}

bool looks_like_http(const std::string& in) {
  return !in.empty() && in[0] >= 'A' && in[0] <= 'Z';
}

}  // namespace

// --- TestHttpServer ------------------------------------------------------------------------------

TestHttpServer::TestHttpServer(std::string address) : address_(std::move(address)) {
  if (!open_listener()) throw std::runtime_error("test server: cannot listen on " + address_);
  if (pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("test server: pipe");
  thread_ = std::thread([this] { run(); });
}

TestHttpServer::~TestHttpServer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  (void)!write(wake_[1], "x", 1);
  thread_.join();
  close_clients(false);
  close_listener();
  close(wake_[0]);
  close(wake_[1]);
}

bool TestHttpServer::open_listener() {
  if (listener_ >= 0) return true;
  std::uint16_t port = port_;
  listener_ = listen_on(address_, port, 1024);
  if (listener_ >= 0) port_ = port;
  return listener_ >= 0;
}

void TestHttpServer::close_listener() {
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
}

bool TestHttpServer::set_mode(Mode mode) {
  std::unique_lock lock(mu_);
  mode_ = mode;
  std::uint64_t ticket = ++wanted_;
  (void)!write(wake_[1], "m", 1);
  bool done = applied_cv_.wait_for(lock, std::chrono::seconds(2), [&] { return applied_ >= ticket; });
  return done && listen_ok_;
}

void TestHttpServer::set_body(std::string body) {
  std::lock_guard lock(mu_);
  body_ = std::move(body);
}

void TestHttpServer::apply_mode() {
  std::unique_lock lock(mu_);
  Mode mode = mode_;
  std::uint64_t ticket = wanted_;
  lock.unlock();
  if (mode == Mode::Closed) {
    close_listener();  // connections still in the accept queue are reset
    close_clients(false);
  } else {
    if (applied_mode_ == Mode::Hang && mode != Mode::Hang) close_clients(true);
    bool ok = open_listener();
    lock.lock();
    listen_ok_ = ok;
    lock.unlock();
  }
  applied_mode_ = mode;
  lock.lock();
  applied_ = ticket;
  applied_cv_.notify_all();
}

void TestHttpServer::run() {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    if (listener_ >= 0) fds.push_back({listener_, POLLIN, 0});
    for (const Client& c : clients_) fds.push_back({c.fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 200);
    if (fds[0].revents != 0) {
      char buf[64];
      while (read(wake_[0], buf, sizeof buf) > 0) {
      }
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
      }
      apply_mode();
      continue;  // the descriptor set changed
    }
    std::size_t first_client = listener_ >= 0 ? 2 : 1;
    if (listener_ >= 0 && fds[1].revents != 0) accept_all();
    // Walk the clients that were polled (accept_all only appended); close the finished ones.
    std::vector<Client> keep;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      std::size_t k = first_client + i;
      bool ready = k < fds.size() && fds[k].revents != 0;
      if (!ready || serve(clients_[i])) {
        keep.push_back(std::move(clients_[i]));
      } else {
        close(clients_[i].fd);
      }
    }
    clients_ = std::move(keep);
  }
}

void TestHttpServer::accept_all() {
  for (;;) {
    int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    clients_.push_back(Client{fd, {}, false, false});
  }
}

bool TestHttpServer::serve(Client& c) {
  char buf[4096];
  ssize_t n = read(c.fd, buf, sizeof buf);
  if (n <= 0) return n < 0 && errno == EAGAIN;
  if (c.answered || c.hung) return true;  // drain until the peer closes
  c.in.append(buf, static_cast<std::size_t>(n));
  bool complete = c.in.find("\r\n\r\n") != std::string::npos || !looks_like_http(c.in);
  if (!complete) return true;
  respond(c);
  return true;
}

void TestHttpServer::respond(Client& c) {
  std::string body;
  Mode mode;
  {
    std::lock_guard lock(mu_);
    mode = mode_;
    body = body_;
  }
  std::string head;
  if (!looks_like_http(c.in)) {  // e.g. a TLS ClientHello: answer like a real plain-HTTP server
    head = "HTTP/1.1 400 Bad Request";
    body = "bad request";
  } else if (mode == Mode::Hang) {
    c.hung = true;
    requests_++;  // a request received and held: what a test waits for to know a probe is in flight
    return;
  } else if (mode == Mode::Unavailable) {
    head = "HTTP/1.1 503 Service Unavailable";
    body = "down";
  } else {
    head = "HTTP/1.1 200 OK";
  }
  requests_++;
  std::string out =
      head + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)!send(c.fd, out.data(), out.size(), MSG_NOSIGNAL);
  shutdown(c.fd, SHUT_WR);  // FIN after the response; close once the peer closed (no RST race)
  c.answered = true;
}

void TestHttpServer::close_clients(bool only_hung) {
  std::vector<Client> keep;
  for (Client& c : clients_) {
    if (only_hung && !c.hung) {
      keep.push_back(std::move(c));
    } else {
      close(c.fd);
    }
  }
  clients_ = std::move(keep);
}

// --- BlackholeListener ---------------------------------------------------------------------------

BlackholeListener::BlackholeListener() {
  listener_ = listen_on("127.0.0.1", port_, 0);
  if (listener_ < 0) throw std::runtime_error("blackhole: cannot listen");
  // With backlog 0 the accept queue holds one connection; a few more make sure it is full, after
  // which the kernel drops new SYNs and connects hang.
  for (int i = 0; i < 3; ++i) fillers_.push_back(connect_nonblocking("127.0.0.1", port_));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

BlackholeListener::~BlackholeListener() {
  for (int fd : fillers_) {
    if (fd >= 0) close(fd);
  }
  close(listener_);
}

// --- helpers -------------------------------------------------------------------------------------

bool ipv6_loopback_available() {
  std::uint16_t port = 0;
  int fd = listen_on("::1", port, 1);
  if (fd < 0) return false;
  close(fd);
  return true;
}

int thread_count() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

std::uint16_t free_port() {
  std::uint16_t port = 0;
  int fd = listen_on("127.0.0.1", port, 1);
  if (fd >= 0) close(fd);
  return port;
}

bool accepts(const std::string& address, std::uint16_t port) {
  int fd = connect_nonblocking(address, port);
  if (fd < 0) return false;
  pollfd p{fd, POLLOUT, 0};
  bool ok = false;
  if (poll(&p, 1, 500) == 1) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    ok = err == 0;
  }
  close(fd);
  return ok;
}

}  // namespace sgdns::health_test
