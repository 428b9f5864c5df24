// SPDX-License-Identifier: MIT
// Listen-address claims: a per-address lock (abstract Unix socket) and a test bind of each port.
#include "sgdns/net/address_claims.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>

#include "sgdns/util/log.h"

namespace sgdns::net {
namespace {

struct Holder {
  pid_t pid = 0;
  uid_t uid = 0;
};

/// The abstract socket address "\0sgdns/<canonical address>"; returns its length.
socklen_t lock_address(const dns::SocketAddress& a, sockaddr_un& out) {
  std::string name = "sgdns/" + dns::to_string(a.get());
  out = sockaddr_un{};
  out.sun_family = AF_UNIX;
  std::memcpy(out.sun_path + 1, name.data(), name.size());  // sun_path[0] == 0: the abstract namespace
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}

/// Who holds the lock, from the credentials the kernel recorded when the holder called listen().
std::optional<Holder> holder_of(const sockaddr_un& name, socklen_t length) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return std::nullopt;
  std::optional<Holder> out;
  ucred cred{};
  socklen_t size = sizeof cred;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&name), length) == 0 &&
      ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0)
    out = Holder{cred.pid, cred.uid};
  ::close(fd);
  return out;
}

[[noreturn]] void fail(const dns::SocketAddress& a, const std::string& why) {
  throw std::runtime_error(a.text + ": " + why);
}

/// The lock for `a`, or -1 when a process of another user squats on its name (then the test binds and the
/// real ones still catch a busy port). Throws when another sgdns holds it.
int take_lock(const dns::SocketAddress& a) {
  sockaddr_un name;
  socklen_t length = lock_address(a, name);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(a, std::string("cannot create the address lock: ") + std::strerror(errno));
  // A listening socket, so that a second instance can connect and learn the holder's pid. Nothing accepts:
  // each attempt stays queued until this process exits, and the backlog only bounds how many are kept.
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&name), length) == 0 && ::listen(fd, SOMAXCONN) == 0)
    return fd;
  int error = errno;
  ::close(fd);
  if (error != EADDRINUSE) fail(a, std::string("cannot take the address lock: ") + std::strerror(error));
  std::optional<Holder> holder = holder_of(name, length);
  if (!holder) fail(a, "in use by another sgdns");
  if (holder->uid == ::getuid() || holder->uid == 0)
    fail(a, "in use by another sgdns (pid " + std::to_string(holder->pid) + ")");
  log::warn(a.text + ": the address lock is held by pid " + std::to_string(holder->pid) + " of uid " +
            std::to_string(holder->uid) + ", not an sgdns of this user or root: going on without it");
  return -1;
}

/// Binds a throw-away socket without SO_REUSEPORT: it fails if any socket holds the port, whatever its
/// options, and reports the kernel's reason (in use, not a local address, permission).
void test_bind(const dns::SocketAddress& a, int type) {
  const char* proto = type == SOCK_DGRAM ? "udp" : "tcp";
  int fd = ::socket(a.family(), type | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(a, std::string(proto) + ": " + std::strerror(errno));
  int one = 1;
  // As the real sockets: IPv6 ones are IPv6-only, and TCP ones reuse a port left in TIME_WAIT (libuv and
  // civetweb set SO_REUSEADDR), which must not count as busy.
  if (a.family() == AF_INET6) (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (type == SOCK_STREAM) (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = ::bind(fd, a.get(), a.length);
  int error = errno;
  ::close(fd);
  if (rc == 0) return;
  std::string why = std::string(proto) + ": " + std::strerror(error);
  if (error == EACCES) why += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
  fail(a, why);
}

}  // namespace

AddressClaims::AddressClaims(const std::vector<dns::SocketAddress>& dns,
                             const std::optional<dns::SocketAddress>& admin) {
  std::set<std::string> seen;
  auto distinct = [&](const dns::SocketAddress& a) {
    if (!seen.insert(dns::to_string(a.get())).second)
      fail(a, "listed twice (every DNS listen address and admin.listen must differ)");
  };
  try {
    for (const auto& a : dns) {
      distinct(a);
      claim(a, true);
    }
    if (admin) {
      distinct(*admin);
      claim(*admin, false);
    }
  } catch (...) {
    for (int fd : locks_) ::close(fd);
    throw;
  }
}

AddressClaims::~AddressClaims() {
  for (int fd : locks_) ::close(fd);
}

void AddressClaims::claim(const dns::SocketAddress& address, bool udp) {
  int lock = take_lock(address);
  if (lock >= 0) locks_.push_back(lock);
  if (udp) test_bind(address, SOCK_DGRAM);
  test_bind(address, SOCK_STREAM);
}

}  // namespace sgdns::net
