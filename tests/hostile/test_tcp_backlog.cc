// SPDX-License-Identifier: MIT
// Hostile clients II: clients that pipeline 10,000 queries and never read, and clients that reset their
// connection with replies pending. The server's memory must stay under a stated bound, and it must keep
// answering over UDP and TCP.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "hostile.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHoarders = 50;   // pipeline 10,000 queries, never read, reconnect when closed
constexpr int kResetters = 50;  // pipeline 10,000 queries, then reset the connection (RST) at once
constexpr int kQueries = 10'000;
/// The bound this scenario holds the server to. Per connection the server keeps at most one read
/// (64 KiB) of queries and tcp.max_pending (64 KiB) plus one largest reply (64 KiB) of replies, on each
/// side of a write: ~0.4 MiB for each of the 100 attacking connections, 40 MiB, over a ~30 MiB start
/// (zone, rate-limit table, thread stacks). 128 MiB leaves room for allocator slack; at the defaults'
/// 1,024 connections the same arithmetic gives ~430 MiB.
constexpr long kRssBoundKib = 128 * 1024;

/// 10,000 pipelined queries for the ~3 KB TXT RRset: 30 MB of replies a client asks for and never takes.
Bytes pipelined_queries() {
  Bytes batch;
  for (int i = 0; i < kQueries; ++i) {
    QueryOptions q = make_query(i % 3 ? "big.it.test" : "medium.it.test", kTypeTXT);
    q.id = static_cast<uint16_t>(i);
    Bytes framed = tcp_frame(build_query(q));
    batch.insert(batch.end(), framed.begin(), framed.end());
  }
  return batch;
}

int connect_from(uint16_t port, int source) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in local{}, server{};
  local.sin_family = server.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl((127u << 24) | static_cast<uint32_t>(100 + source));
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  server.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/// Sends as much of `data` as the socket takes now; returns how much went.
std::size_t push(int fd, const Bytes& data, std::size_t from) {
  ssize_t n = ::send(fd, data.data() + from, data.size() - from, MSG_NOSIGNAL);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace

TEST_CASE(
    "pipelining clients that never read, and clients that reset with replies pending: memory stays "
    "bounded and the server keeps answering",
    "[hostile]") {
  REQUIRE(raise_fd_limit() >= 1024);
  ServedZone zone("it.test.", integration_zone());
  const pid_t pid = zone.server->process().pid();
  const Endpoint legit("127.0.0.1", zone.server->port());
  const long rss_before = rss_kib(pid);
  const Bytes batch = pipelined_queries();
  std::atomic<bool> running{true};
  std::atomic<std::size_t> resets{0}, hoarder_connects{0};

  std::thread hoarders([&] {
    struct H {
      int fd = -1;
      std::size_t sent = 0;
    };
    std::vector<H> hs(kHoarders);
    while (running) {
      for (int i = 0; i < kHoarders; ++i) {
        H& h = hs[static_cast<std::size_t>(i)];
        if (h.fd < 0) {
          h.fd = connect_from(zone.server->port(), i);
          h.sent = 0;
          ++hoarder_connects;
          continue;
        }
        if (h.sent < batch.size()) h.sent += push(h.fd, batch, h.sent);
        // Closed by the server (its reply deadline): start over. POLLRDHUP says so without reading.
        pollfd p{h.fd, POLLRDHUP, 0};
        if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
          ::close(h.fd);
          h.fd = -1;
        }
      }
      std::this_thread::sleep_for(Millis(20));
    }
    for (H& h : hs)
      if (h.fd >= 0) ::close(h.fd);
  });
  std::thread resetters([&] {
    while (running) {
      std::vector<int> fds;
      for (int i = 0; i < kResetters; ++i) {
        int fd = connect_from(zone.server->port(), 50 + i);
        if (fd < 0) continue;
        (void)push(fd, batch, 0);
        fds.push_back(fd);
      }
      std::this_thread::sleep_for(Millis(100));  // the server is busy answering them now
      for (int fd : fds) {
        linger reset{1, 0};  // close with RST: every reply still queued is thrown away
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(fd);
        ++resets;
      }
    }
  });

  Latencies udp, tcp;
  long peak = rss_before;
  const auto end = Clock::now() + Millis(10000);
  while (Clock::now() < end) {
    udp.add(timed_udp_query(legit, "www.it.test", Millis(1000)));
    tcp.add(timed_tcp_query(legit, "www.it.test", Millis(1000)));
    peak = std::max(peak, rss_kib(pid));
    std::this_thread::sleep_for(Millis(100));
  }
  running = false;
  hoarders.join();
  resetters.join();
  const long hwm = peak_rss_kib(pid);

  std::ostringstream figure;
  figure.precision(3);
  figure << "server RSS " << rss_before / 1024 << " MiB before, peak " << std::max(peak, hwm) / 1024
         << " MiB (bound " << kRssBoundKib / 1024 << " MiB) under " << kHoarders << " never-reading clients ("
         << hoarder_connects << " connections) and " << resets << " resets with 10,000 queries pending; "
         << "legitimate queries answered: UDP " << udp.ms.size() << "/" << udp.asked() << " (max "
         << udp.max() << " ms), TCP " << tcp.ms.size() << "/" << tcp.asked() << " (max " << tcp.max()
         << " ms)";
  print_figure("tcp-backlog", figure.str());
  INFO(figure.str() << "\nsgdns log:\n" << zone.server->stderr_text());
  CHECK(zone.server->process().running());
  CHECK(std::max(peak, hwm) < kRssBoundKib);
  CHECK(udp.failed == 0);
  CHECK(tcp.failed == 0);
  CHECK(resets > 100);
}
