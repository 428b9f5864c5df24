// SPDX-License-Identifier: MIT
// UDP replies are never fragmented (RFC 9715): one larger than the link's MTU is refused by the kernel,
// and the server sends a smaller one instead, truncated with TC so that the client retries over TCP.
// Before, such a reply went out in IP fragments, which resolvers behind many firewalls never see.
//
// The test runs in a network namespace of its own whose loopback has the IPv6 minimum MTU (1280), so
// that the 3 KB TXT RRset of the integration zone cannot leave in one datagram.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <catch2/catch.hpp>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

/// Moves the calling thread (and the processes it starts) into a fresh network namespace whose loopback
/// is up with `mtu`; the destructor moves it back. Needs CAP_SYS_ADMIN: without it ok() is false.
class SmallMtuLoopback {
 public:
  explicit SmallMtuLoopback(int mtu) {
    original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_ < 0 || ::unshare(CLONE_NEWNET) != 0) {
      error_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    entered_ = true;
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    ifr.ifr_mtu = mtu;
    bool up = fd >= 0 && ::ioctl(fd, SIOCSIFMTU, &ifr) == 0 && ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    up = up && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    if (!up) error_ = std::string("setting up lo: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
  }
  ~SmallMtuLoopback() {
    if (entered_) (void)::setns(original_, CLONE_NEWNET);
    if (original_ >= 0) ::close(original_);
  }
  SmallMtuLoopback(const SmallMtuLoopback&) = delete;
  SmallMtuLoopback& operator=(const SmallMtuLoopback&) = delete;

  bool ok() const { return entered_ && error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  int original_ = -1;
  bool entered_ = false;
  std::string error_;
};

}  // namespace

TEST_CASE("a UDP reply larger than the link MTU is sent truncated, never fragmented", "[integration]") {
  SmallMtuLoopback namespace_guard(1280);
  if (!namespace_guard.ok()) {
    WARN("skipped: needs root for a private network namespace (" << namespace_guard.error() << ")");
    return;
  }
  ServedZone served("it.test.", integration_zone(), {"--edns-max-payload", "4096"});

  QueryOptions big = make_query("big.it.test", kTypeTXT, true);
  big.udp_size = 4096;
  const Reply udp = served.ask(big);
  INFO(udp.text);
  CHECK(udp.tc);
  CHECK(udp.ancount == 0);  // the RRset does not fit whole, so none of it is sent (RFC 2181 9)
  CHECK(udp.has_opt);
  CHECK(udp.udp_size == 4096);  // our advertised payload is unchanged: only this path is smaller

  const Reply tcp = served.ask(big, Transport::Tcp);
  CHECK_FALSE(tcp.tc);
  CHECK(tcp.ancount == 30);

  // A reply that fits the link is untouched.
  QueryOptions medium = make_query("medium.it.test", kTypeTXT, true);
  medium.udp_size = 4096;
  const Reply fits = served.ask(medium);
  CHECK_FALSE(fits.tc);
  CHECK(fits.ancount == 8);
}
