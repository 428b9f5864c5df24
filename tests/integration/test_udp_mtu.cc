// SPDX-License-Identifier: MIT
// UDP replies are never fragmented (RFC 9715): one larger than the link's MTU is refused by the kernel,
// and the server sends a smaller one instead, truncated with TC so that the client retries over TCP.
// Before, such a reply went out in IP fragments, which resolvers behind many firewalls never see, and
// IPv4 replies left without DF, so routers could fragment them too.
//
// The test runs in a network namespace of its own whose loopback has the IPv6 minimum MTU (1280), so
// that the 3 KB TXT RRset of the integration zone cannot leave in one datagram.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
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

/// The IPv4 header flags of the first UDP datagram sent from `port` on lo after `send` runs; nullopt when
/// none is seen within two seconds.
template <typename Send>
std::optional<uint16_t> ipv4_flags_of_reply(uint16_t port, Send send) {
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
  if (fd < 0) return std::nullopt;
  sockaddr_ll lo{};
  lo.sll_family = AF_PACKET;
  lo.sll_protocol = htons(ETH_P_IP);
  lo.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
  std::optional<uint16_t> flags;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&lo), sizeof lo) == 0) {
    send();
    uint8_t frame[2048];
    pollfd pfd{fd, POLLIN, 0};
    while (!flags && ::poll(&pfd, 1, 2000) == 1) {
      const ssize_t n = ::recv(fd, frame, sizeof frame, 0);
      const uint8_t* ip = frame + 14;  // loopback frames carry an all-zero Ethernet header
      if (n < 14 + 28 || ip[9] != IPPROTO_UDP) continue;
      const std::size_t header = (ip[0] & 0x0f) * 4u;
      if ((ip[header] << 8 | ip[header + 1]) != port) continue;
      flags = static_cast<uint16_t>(ip[6] << 8 | ip[7]);
    }
  }
  ::close(fd);
  return flags;
}

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

  // Every IPv4 reply carries DF (RFC 9715), so no router fragments it either.
  const auto flags = ipv4_flags_of_reply(served.server->port(), [&] { (void)served.ask(medium); });
  REQUIRE(flags.has_value());
  CHECK((*flags & 0x4000) != 0);  // DF
  CHECK((*flags & 0x2000) == 0);  // not a fragment
}
