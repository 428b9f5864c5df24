// SPDX-License-Identifier: MIT
// A civetweb stop that wakes the listener thread instead of waiting out its poll timeout.
#include "quick_stop.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace sgdns::admin {
namespace {

/// The address to connect to: the listen address, with a wildcard replaced by loopback.
sockaddr_storage wake_target(const dns::SocketAddress& listen) {
  sockaddr_storage to = listen.storage;
  if (to.ss_family == AF_INET) {
    auto& in4 = reinterpret_cast<sockaddr_in&>(to);
    if (in4.sin_addr.s_addr == htonl(INADDR_ANY)) in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (to.ss_family == AF_INET6) {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(to);
    if (IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr)) in6.sin6_addr = in6addr_loopback;
  }
  return to;
}

void knock(const sockaddr_storage& to, socklen_t length) {
  int fd = ::socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return;
  (void)::connect(fd, reinterpret_cast<const sockaddr*>(&to), length);  // in progress is enough
  ::close(fd);
}

}  // namespace

void stop_quickly(mg_context* ctx, const dns::SocketAddress& listen) {
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    mg_stop(ctx);
    done = true;
  });
  const sockaddr_storage to = wake_target(listen);
  // Knock until mg_stop returns: a knock before its stop flag is set only serves one empty connection.
  // 20 ms apart, so a stop costs tens of milliseconds and at most a few dozen knocks.
  while (!done) {
    knock(to, listen.length);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stopper.join();
}

}  // namespace sgdns::admin
