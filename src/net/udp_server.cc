// SPDX-License-Identifier: MIT
// UDP workers: poll, recvmmsg a batch, answer each query with the engine, sendmmsg the replies.
#include "sgdns/net/udp_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sgdns/engine/engine.h"
#include "sgdns/util/log.h"
#include "socket_options.h"

namespace sgdns::net {
namespace {

/// Datagrams per recvmmsg/sendmmsg call: enough to amortise the system call under load (Knot and
/// gdnsd use 16-64), small enough that a batch's buffers stay in L2.
constexpr int kBatch = 32;
/// Batches read from one socket before polling again, so one busy address cannot starve another.
constexpr int kBatchesPerWake = 8;
/// Large enough for any EDNS query or reply we accept (our payload maximum is 4096).
constexpr std::size_t kBufferSize = 4096;
/// Room for one IP_PKTINFO or IPV6_PKTINFO control message.
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));

}  // namespace

struct UdpServer::Worker {
  std::vector<int> fds;
  std::array<std::array<std::uint8_t, kBufferSize>, kBatch> in{};
  std::array<std::array<std::uint8_t, kBufferSize>, kBatch> out{};
  std::array<sockaddr_storage, kBatch> peers{};
  std::array<std::array<std::uint8_t, kControlSize>, kBatch> control_in{};
  std::array<std::array<std::uint8_t, kControlSize>, kBatch> control_out{};
  std::array<iovec, kBatch> in_iov{};
  std::array<iovec, kBatch> out_iov{};
  std::array<mmsghdr, kBatch> in_msgs{};
  std::array<mmsghdr, kBatch> out_msgs{};
  engine::Scratch scratch;
  metrics::WorkerCounters* counters = nullptr;

  void run(WorldStore& store, int stop_fd);
  int receive(int fd);
  void answer_batch(const engine::World& world, int received, int fd);
};

namespace {

/// Turns the destination address of a query (received PKTINFO) into the source address of its reply.
std::size_t reply_control(msghdr& received, std::uint8_t* out) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&received); c; c = CMSG_NXTHDR(&received, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi_spec_dst = info.ipi_addr;
      info.ipi_ifindex = 0;
      auto* o = reinterpret_cast<cmsghdr*>(out);
      o->cmsg_level = IPPROTO_IP;
      o->cmsg_type = IP_PKTINFO;
      o->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(o), &info, sizeof info);
      return CMSG_SPACE(sizeof info);
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      auto* o = reinterpret_cast<cmsghdr*>(out);
      o->cmsg_level = IPPROTO_IPV6;
      o->cmsg_type = IPV6_PKTINFO;
      o->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      std::memcpy(CMSG_DATA(o), CMSG_DATA(c), sizeof(in6_pktinfo));
      return CMSG_SPACE(sizeof(in6_pktinfo));
    }
  }
  return 0;
}

}  // namespace

int UdpServer::Worker::receive(int fd) {
  for (int i = 0; i < kBatch; ++i) {
    in_iov[i] = {in[i].data(), in[i].size()};
    msghdr& h = in_msgs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &peers[i];
    h.msg_namelen = sizeof peers[i];
    h.msg_iov = &in_iov[i];
    h.msg_iovlen = 1;
    h.msg_control = control_in[i].data();
    h.msg_controllen = control_in[i].size();
  }
  return ::recvmmsg(fd, in_msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
}

void UdpServer::Worker::answer_batch(const engine::World& world, int received, int fd) {
  int replies = 0;
  for (int i = 0; i < received; ++i) {
    msghdr& h = in_msgs[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) continue;  // larger than any query we accept: not worth an answer
    engine::Client client{reinterpret_cast<const sockaddr*>(&peers[i]), engine::Transport::Udp};
    engine::Reply reply = engine::answer(world, {in[i].data(), in_msgs[i].msg_len}, client, scratch,
                                         {out[replies].data(), out[replies].size()});
    if (counters) counters->count(0, scratch.query, reply, reply.size == 0);
    if (reply.size == 0) continue;
    out_iov[replies] = {out[replies].data(), reply.size};
    msghdr& o = out_msgs[replies].msg_hdr;
    o = msghdr{};
    o.msg_name = &peers[i];
    o.msg_namelen = h.msg_namelen;
    o.msg_iov = &out_iov[replies];
    o.msg_iovlen = 1;
    std::size_t control = reply_control(h, control_out[replies].data());
    o.msg_control = control ? control_out[replies].data() : nullptr;
    o.msg_controllen = control;
    ++replies;
  }
  for (int sent = 0; sent < replies;) {
    int n = ::sendmmsg(fd, out_msgs.data() + sent, static_cast<unsigned>(replies - sent), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++sent;  // skip the datagram the kernel refused (e.g. unreachable peer) and send the rest
      continue;
    }
    sent += n;
  }
}

void UdpServer::Worker::run(WorldStore& store, int stop_fd) {
  WorldStore::register_reader();
  std::vector<pollfd> pfds;
  for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
  pfds.push_back({stop_fd, POLLIN, 0});
  for (;;) {
    WorldStore::offline();
    int ready = ::poll(pfds.data(), pfds.size(), -1);
    WorldStore::online();
    if (ready < 0 && errno != EINTR) break;
    if (pfds.back().revents) break;
    for (std::size_t s = 0; s + 1 < pfds.size(); ++s) {
      if (!pfds[s].revents) continue;
      for (int round = 0; round < kBatchesPerWake; ++round) {
        int received = receive(pfds[s].fd);
        if (received <= 0) break;
        answer_batch(*store.current(), received, pfds[s].fd);
        WorldStore::quiescent();
        if (received < kBatch) break;
      }
    }
  }
  WorldStore::unregister_reader();
}

UdpServer::UdpServer(const std::vector<config::SocketAddress>& listen, int workers, WorldStore& store,
                     metrics::CounterSet* counters)
    : store_(store) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::runtime_error("eventfd failed");
  for (int w = 0; w < workers; ++w) {
    auto worker = std::make_unique<Worker>();
    if (counters) worker->counters = &counters->add_worker();
    // Distinct weighted-choice sequences per worker; the seed only needs to differ, not be secret.
    worker->scratch.rng ^= 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(w + 1);
    for (const auto& address : listen) worker->fds.push_back(bind_udp(address));
    workers_.push_back(std::move(worker));
  }
}

UdpServer::~UdpServer() {
  stop();
  for (auto& w : workers_) {
    for (int fd : w->fds) ::close(fd);
  }
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void UdpServer::start() {
  for (auto& w : workers_) threads_.emplace_back([this, worker = w.get()] { worker->run(store_, stop_fd_); });
}

void UdpServer::stop() {
  if (threads_.empty()) return;
  std::uint64_t one = 1;
  ssize_t r = ::write(stop_fd_, &one, sizeof one);
  (void)r;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace sgdns::net
