// SPDX-License-Identifier: MIT
// Hostile clients I: 2,000 slow TCP connections from 20 addresses, each sending a byte every few seconds
// and reconnecting when closed, while a legitimate client asks over TCP five times a second. Every
// legitimate query must be answered within a second, throughout. 100 per address is over the per-source
// cap (64), and the 1,280 the cap lets in are over the global cap (1,024): both limits are at work.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "hostile.h"
#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSlowConnections = 2000;
constexpr int kSources = 20;  // 127.0.0.10 .. 127.0.0.29: 100 each

/// The attacker: keeps kSlowConnections open (reconnecting, after a pause, whenever the server closes
/// one), each dripping one byte of a never-finished query every 2 to 4 s.
class SlowLoris {
 public:
  explicit SlowLoris(uint16_t port) : port_(port), epoll_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~SlowLoris() {
    stop();
    for (auto& s : slots_)
      if (s.fd >= 0) ::close(s.fd);
    ::close(epoll_);
  }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t connects() const { return connects_; }
  std::size_t closed_by_server() const { return closed_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t open_now() const { return open_; }

 private:
  struct Slot {
    int fd = -1;
    int source = 0;
    Clock::time_point next;  // when to act: connect again, or send the next byte
  };

  void open(Slot& s, Clock::time_point now) {
    s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in local{}, server{};
    local.sin_family = server.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl((127u << 24) | static_cast<uint32_t>(10 + s.source));
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server.sin_port = htons(port_);
    ::bind(s.fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
    ::connect(s.fd, reinterpret_cast<sockaddr*>(&server), sizeof server);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = &s;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &ev);
    ++connects_;
    ++open_;
    s.next = now + Millis(std::uniform_int_distribution<int>(0, 3000)(rng_));
  }

  void lost(Slot& s, Clock::time_point now) {
    ::close(s.fd);  // also leaves the epoll set
    s.fd = -1;
    ++closed_;
    --open_;
    s.next = now + Millis(std::uniform_int_distribution<int>(100, 500)(rng_));
  }

  void run() {
    slots_.resize(kSlowConnections);
    auto now = Clock::now();
    for (int i = 0; i < kSlowConnections; ++i) {
      slots_[static_cast<std::size_t>(i)].source = i % kSources;
      open(slots_[static_cast<std::size_t>(i)], now);
    }
    epoll_event events[256];
    while (running_) {
      int n = epoll_wait(epoll_, events, 256, 20);
      now = Clock::now();
      for (int i = 0; i < n; ++i) {
        auto* s = static_cast<Slot*>(events[i].data.ptr);
        char buf[512];
        if (s->fd >= 0 && ::recv(s->fd, buf, sizeof buf, 0) <= 0) lost(*s, now);
      }
      for (Slot& s : slots_) {
        if (now < s.next) continue;
        if (s.fd < 0) {
          open(s, now);
          continue;
        }
        // A query of 0x30 bytes announced, never finished: one byte at a time.
        static const uint8_t kDrip[] = {0x00, 0x30, 0x12, 0x34, 0x00, 0x00, 0x00, 0x01};
        uint8_t b = kDrip[std::uniform_int_distribution<int>(0, 7)(rng_)];
        if (::send(s.fd, &b, 1, MSG_NOSIGNAL) == 1) ++bytes_;
        s.next = now + Millis(std::uniform_int_distribution<int>(2000, 4000)(rng_));
      }
    }
  }

  uint16_t port_;
  int epoll_;
  std::vector<Slot> slots_;
  std::mt19937 rng_{42};
  std::atomic<bool> running_{true};
  std::thread thread_;
  std::atomic<std::size_t> connects_{0}, closed_{0}, bytes_{0}, open_{0};
};

double metric(uint16_t admin_port, const std::string& sample) {
  HttpRequest get;
  get.target = "/metrics";
  std::string text = http_request("127.0.0.1", admin_port, get).body;
  auto at = text.find("\n" + sample + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + sample.size() + 2));
}

}  // namespace

TEST_CASE("2,000 slow TCP connections from 20 addresses: a legitimate TCP query is answered within 1 s",
          "[hostile]") {
  const std::size_t fds = raise_fd_limit();
  INFO("RLIMIT_NOFILE " << fds);
  REQUIRE(fds >= kSlowConnections + 1500);  // ours, and the server's 1,024 connections plus its own
  const uint16_t admin_port = free_port();
  ServedZone zone("it.test.", integration_zone(), {"--admin", "127.0.0.1:" + std::to_string(admin_port)});
  const Endpoint legit("127.0.0.1", zone.server->port());
  REQUIRE(timed_tcp_query(legit, "www.it.test", Millis(1000)));

  SlowLoris attack(zone.server->port());
  attack.start();
  std::this_thread::sleep_for(Millis(2000));  // let the connections pile up first
  Latencies tcp;
  const auto end = Clock::now() + Millis(12000);
  while (Clock::now() < end) {
    tcp.add(timed_tcp_query(legit, "www.it.test", Millis(1000)));
    std::this_thread::sleep_for(Millis(200));
  }
  const std::size_t open_at_end = attack.open_now();
  attack.stop();

  std::ostringstream causes;
  for (const char* cause : {"evicted", "query_timeout", "idle_timeout", "source_limit"})
    causes << " " << cause << " "
           << metric(admin_port, std::string("sgdns_tcp_connections_closed_total{cause=\"") + cause + "\"}");
  std::ostringstream figure;
  figure.precision(3);
  figure << "legitimate TCP queries answered within 1 s: " << tcp.ms.size() << " of " << tcp.asked()
         << " (p50 " << tcp.percentile(50) << " ms, max " << tcp.max() << " ms) while " << kSlowConnections
         << " slow connections from " << kSources << " addresses dripped " << attack.bytes() << " bytes over "
         << attack.connects() << " connects (" << open_at_end
         << " open at the end); server closes:" << causes.str();
  print_figure("slow-tcp", figure.str());
  INFO(figure.str() << "\nsgdns log:\n" << zone.server->stderr_text());
  CHECK(tcp.asked() >= 40);
  CHECK(tcp.failed == 0);
  CHECK(tcp.max() < 1000);
  CHECK(metric(admin_port, "sgdns_tcp_connections_closed_total{cause=\"evicted\"}") > 0);
  CHECK(metric(admin_port, "sgdns_tcp_connections_closed_total{cause=\"source_limit\"}") > 0);
}
