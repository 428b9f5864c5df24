// SPDX-License-Identifier: MIT
// The tampering UDP proxy (tamper_proxy.h).
#include "tamper_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace sgdns::test {
namespace {

// Skips a wire name at `off` (labels or a compression pointer); returns the offset after it, or 0.
size_t skip_name(const uint8_t* msg, size_t len, size_t off) {
  while (off < len) {
    uint8_t l = msg[off];
    if (l == 0) return off + 1;
    if ((l & 0xc0) == 0xc0) return off + 2 <= len ? off + 2 : 0;
    off += 1u + l;
  }
  return 0;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

bool tamper_first_answer(uint8_t* msg, size_t len, uint16_t type) {
  if (len < 12 || (msg[6] << 8 | msg[7]) == 0 || (msg[4] << 8 | msg[5]) != 1) return false;
  size_t off = skip_name(msg, len, 12);
  if (off == 0 || off + 4 > len) return false;
  off = skip_name(msg, len, off + 4);  // the first answer's owner
  if (off == 0 || off + 10 > len) return false;
  const uint16_t rr_type = static_cast<uint16_t>(msg[off] << 8 | msg[off + 1]);
  const size_t rdlen = static_cast<size_t>(msg[off + 8] << 8 | msg[off + 9]);
  if (rr_type != type || rdlen == 0 || off + 10 + rdlen > len) return false;
  msg[off + 10 + rdlen - 1] ^= 0x01;
  return true;
}

TamperProxy::TamperProxy(uint16_t server_port, uint16_t tampered_type)
    : server_port_(server_port), type_(tampered_type) {
  listen_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = loopback(0);
  socklen_t alen = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &alen) != 0)
    throw std::runtime_error("tamper proxy: cannot bind a loopback UDP socket");
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

TamperProxy::~TamperProxy() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void TamperProxy::run() {
  uint8_t buf[65535];
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;  // wakes every 100 ms to see whether it must stop
    sockaddr_in client{};
    socklen_t clen = sizeof client;
    ssize_t n = ::recvfrom(listen_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&client), &clen);
    if (n <= 0) continue;
    int up = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in server = loopback(server_port_);
    if (up < 0) continue;
    if (::sendto(up, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&server), sizeof server) ==
        n) {
      pollfd q{up, POLLIN, 0};
      if (::poll(&q, 1, 2000) > 0) {
        ssize_t m = ::recv(up, buf, sizeof buf, 0);
        if (m > 0) {
          if (tamper_first_answer(buf, static_cast<size_t>(m), type_)) ++tampered_;
          (void)::sendto(listen_fd_, buf, static_cast<size_t>(m), 0, reinterpret_cast<sockaddr*>(&client),
                         clen);
        }
      }
    }
    ::close(up);
  }
}

}  // namespace sgdns::test
