// SPDX-License-Identifier: MIT
// A paced UDP query stream: sends on a schedule, reads every reply, bounded in time.
#include "udp_flood.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

bool fill_address(const std::string& host, uint16_t port, sockaddr_storage& out, socklen_t& len) {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
    return true;
  }
  return false;
}

FloodReply parse(const uint8_t* p, std::size_t n, double at) {
  FloodReply r;
  r.at = at;
  r.size = n;
  if (n < 12) return r;
  r.tc = (p[2] & 0x02) != 0;
  r.rcode = p[3] & 0x0f;
  r.extended_rcode = r.rcode;
  r.ancount = static_cast<uint16_t>((p[6] << 8) | p[7]);
  // The OPT record, when present, is the last one; its TTL's top byte extends the RCODE (RFC 6891 6.1.3).
  for (std::size_t i = 12; i + 11 <= n; ++i) {
    if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 41) {
      std::size_t rdlen = static_cast<std::size_t>((p[i + 9] << 8) | p[i + 10]);
      if (i + 11 + rdlen == n) r.extended_rcode = (unsigned{p[i + 5]} << 4) | r.rcode;
    }
  }
  return r;
}

}  // namespace

std::size_t FloodResult::bytes() const {
  std::size_t b = 0;
  for (const auto& r : replies) b += r.size;
  return b;
}
std::size_t FloodResult::full() const {
  return full_between(-1, 1e9);
}
std::size_t FloodResult::truncated() const {
  std::size_t n = 0;
  for (const auto& r : replies) n += r.tc;
  return n;
}
std::size_t FloodResult::full_between(double from, double to) const {
  std::size_t n = 0;
  for (const auto& r : replies) n += r.full() && r.at >= from && r.at < to;
  return n;
}

FloodResult udp_flood(const Endpoint& to, const Bytes& query, double qps, Millis duration, Millis linger) {
  FloodResult result;
  sockaddr_storage server;
  socklen_t server_len = 0;
  if (query.size() < 12 || !fill_address(to.host, to.port, server, server_len)) return result;
  int fd = ::socket(server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return result;
  int buffer = 4 << 20;  // replies must not be lost on our side while we are busy sending
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  if (!to.bind_host.empty()) {
    sockaddr_storage local;
    socklen_t local_len = 0;
    if (!fill_address(to.bind_host, 0, local, local_len) ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
      ::close(fd);
      return result;
    }
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&server), server_len) != 0) {
    ::close(fd);
    return result;
  }
  Bytes q = query;
  uint8_t in[65536];
  const auto start = Clock::now();
  const auto stop_sending = start + duration;
  const auto stop = stop_sending + linger;
  for (auto now = start; now < stop; now = Clock::now()) {
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const auto due = now < stop_sending ? static_cast<std::size_t>(elapsed * qps) + 1 : result.sent;
    while (result.sent < due) {
      q[0] = static_cast<uint8_t>(result.sent >> 8);
      q[1] = static_cast<uint8_t>(result.sent);
      if (::send(fd, q.data(), q.size(), 0) < 0) break;  // a full buffer: try again at the next tick
      ++result.sent;
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 1);
    for (;;) {
      ssize_t n = ::recv(fd, in, sizeof in, 0);
      if (n < 0) break;
      result.replies.push_back(parse(in, static_cast<std::size_t>(n),
                                     std::chrono::duration<double>(Clock::now() - start).count()));
    }
  }
  ::close(fd);
  return result;
}

}  // namespace sgdns::test
