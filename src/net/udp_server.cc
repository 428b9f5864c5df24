// SPDX-License-Identifier: MIT
// UDP workers: block in recvmmsg for a batch, answer each query with the engine, sendmmsg the replies.
#include "sgdns/net/udp_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

#include "random_seed.h"
#include "sgdns/engine/engine.h"
#include "sgdns/net/rate_limit.h"
#include "sgdns/util/log.h"
#include "socket_options.h"
#include "survived_error.h"

namespace sgdns::net {
namespace {

/// Datagrams per recvmmsg/sendmmsg call. Measured in bench/run's cap mode (2026-11-27): 16 -> 117.0k,
/// 32 -> 118.2k, 64 -> 119.5k qps; the udp_echo ceiling uses 64 too. Only the bytes a datagram fills are
/// touched, so the 2 x 64 x 4 KiB of buffers cost address space, not cache.
constexpr int kBatch = 64;
/// Large enough for any EDNS query or reply we accept (our payload maximum is 4096).
constexpr std::size_t kBufferSize = 4096;
/// Room for one IP_PKTINFO or IPV6_PKTINFO control message.
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));

}  // namespace

struct UdpServer::Worker {
  int fd = -1;
  bool pktinfo = false;  // bound to a wildcard address: replies must name their source address
  int last_received = kBatch;
  std::array<std::array<std::uint8_t, kBufferSize>, kBatch> in{};
  std::array<std::array<std::uint8_t, kBufferSize>, kBatch> out{};
  std::array<sockaddr_storage, kBatch> peers{};
  std::array<std::array<std::uint8_t, kControlSize>, kBatch> control_in{};
  std::array<std::array<std::uint8_t, kControlSize>, kBatch> control_out{};
  std::array<iovec, kBatch> in_iov{};
  std::array<iovec, kBatch> out_iov{};
  std::array<mmsghdr, kBatch> in_msgs{};
  std::array<mmsghdr, kBatch> out_msgs{};
  std::array<int, kBatch> query_of_reply{};  // which received datagram each reply answers
  engine::Scratch scratch;
  metrics::WorkerCounters* counters = nullptr;
  std::string where;  // "udp ADDR:PORT", for the log
  rrl::Limiter* limiter = nullptr;
  rrl::WorkerState rrl_state;
  dnstap::Producer* dnstap = nullptr;        // null: dnstap off
  const WorldStore* notify_store = nullptr;  // for NOTIFY received

  void run(WorldStore& store, const std::atomic<bool>& stopping);
  int receive();
  void answer_batch(const engine::World& world, int received);
  void send_replies(const engine::World& world, int replies);
  void resend_smaller(const engine::World& world, int reply);
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

int UdpServer::Worker::receive() {
  // recvmmsg rewrites the name and control lengths of the entries it filled; only those need resetting.
  for (int i = 0; i < last_received; ++i) {
    in_iov[i] = {in[i].data(), in[i].size()};
    msghdr& h = in_msgs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &peers[i];
    h.msg_namelen = sizeof peers[i];
    h.msg_iov = &in_iov[i];
    h.msg_iovlen = 1;
    if (pktinfo) {
      h.msg_control = control_in[i].data();
      h.msg_controllen = control_in[i].size();
    }
  }
  // Blocks for the first datagram only, then takes whatever else is queued: one system call per batch
  // and no poll(). While blocked the worker is offline for the world store, so reloads never wait on it.
  WorldStore::offline();
  int received = ::recvmmsg(fd, in_msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
  WorldStore::online();
  last_received = received > 0 ? received : 0;
  return received;
}

void UdpServer::Worker::answer_batch(const engine::World& world, int received) {
  // The clock is read once per batch: wall-clock seconds for cookie timestamps, monotonic microseconds
  // for the rate limiter. The coarse clocks (a few ms of resolution, plenty for both) only read memory
  // the kernel keeps current: ~3 ns each here, against 20-30 ns for the precise ones.
  timespec wall{}, mono{};
  clock_gettime(CLOCK_REALTIME_COARSE, &wall);
  clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
  const auto now_us =
      static_cast<std::uint64_t>(mono.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(mono.tv_nsec) / 1000;
  int replies = 0;
  for (int i = 0; i < received; ++i) {
    msghdr& h = in_msgs[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) continue;  // larger than any query we accept: not worth an answer
    const auto* peer = reinterpret_cast<const sockaddr*>(&peers[i]);
    engine::Client client{peer, engine::Transport::Udp};
    client.now = static_cast<std::uint32_t>(wall.tv_sec);
    std::span<std::uint8_t> buffer{out[replies].data(), out[replies].size()};
    const std::span<const std::uint8_t> query{in[i].data(), in_msgs[i].msg_len};
    engine::Reply reply = engine::answer(world, query, client, scratch, buffer);
    // Signed queries (secondaries, primaries' NOTIFY) are rare and cost an HMAC anyway: answered again.
    if (scratch.query.has_tsig)
      reply = engine::answer_signed(world, query, client, scratch, buffer,
                                    static_cast<std::uint64_t>(wall.tv_sec));
    if (reply.outcome == engine::Outcome::Notify) notify_store->notified(scratch.query.lqname);
    reply = limit_udp_reply(world, *limiter, rrl_state, scratch, reply, peer, now_us, buffer, counters);
    if (counters) counters->count(0, scratch.query, reply, reply.size == 0);
    if (dnstap)  // what was received and what is sent (after rate limiting: nothing, a slip, or the answer)
      dnstap->log(world, {{in[i].data(), in_msgs[i].msg_len},
                          {out[replies].data(), reply.size},
                          peer,
                          engine::Transport::Udp,
                          reply.region,
                          reply.pool});
    if (reply.size == 0) continue;
    out_iov[replies] = {out[replies].data(), reply.size};
    msghdr& o = out_msgs[replies].msg_hdr;
    o = msghdr{};
    o.msg_name = &peers[i];
    o.msg_namelen = h.msg_namelen;
    o.msg_iov = &out_iov[replies];
    o.msg_iovlen = 1;
    std::size_t control = pktinfo ? reply_control(h, control_out[replies].data()) : 0;
    o.msg_control = control ? control_out[replies].data() : nullptr;
    o.msg_controllen = control;
    query_of_reply[replies] = i;
    ++replies;
  }
  send_replies(world, replies);
}

void UdpServer::Worker::send_replies(const engine::World& world, int replies) {
  for (int sent = 0; sent < replies;) {
    int n = ::sendmmsg(fd, out_msgs.data() + sent, static_cast<unsigned>(replies - sent), MSG_DONTWAIT);
    if (n >= 0) {
      sent += n;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EMSGSIZE) survived_error(counters, metrics::SocketError::UdpSend, where, errno);
    // The socket never fragments (socket_options.cc), so a reply larger than the link's MTU is refused
    // here rather than sent in pieces: answer it again, smaller (truncated if need be), as RFC 9715 asks.
    if (errno == EMSGSIZE) resend_smaller(world, sent);
    ++sent;  // that datagram is done with (sent smaller, or refused for good, e.g. unreachable peer)
  }
}

void UdpServer::Worker::resend_smaller(const engine::World& world, int reply) {
  // 1232 fits any IPv6 path (1280-byte minimum MTU) and is the DNS flag day 2020 value; 512 fits any
  // IPv4 link (576-byte minimum).
  static constexpr std::uint16_t kCaps[] = {1232, 512};
  const int i = query_of_reply[reply];
  for (std::uint16_t cap : kCaps) {
    if (out_iov[reply].iov_len <= cap) continue;
    engine::Client client{reinterpret_cast<const sockaddr*>(&peers[i]), engine::Transport::Udp, cap,
                          static_cast<std::uint32_t>(std::time(nullptr))};
    engine::Reply smaller = engine::answer(world, {in[i].data(), in_msgs[i].msg_len}, client, scratch,
                                           {out[reply].data(), out[reply].size()});
    if (smaller.size == 0) return;
    out_iov[reply].iov_len = smaller.size;
    if (::sendmsg(fd, &out_msgs[reply].msg_hdr, MSG_DONTWAIT) >= 0 || errno != EMSGSIZE) return;
  }
}

void UdpServer::Worker::run(WorldStore& store, const std::atomic<bool>& stopping) {
  WorldStore::register_reader();
  while (!stopping.load(std::memory_order_relaxed)) {
    int received = receive();
    // 0 is the wake-up of stop(); EINTR is a signal. Any other error is retried, and said.
    if (received < 0 && errno != EINTR && !stopping.load(std::memory_order_relaxed))
      survived_error(counters, metrics::SocketError::UdpReceive, where, errno);
    if (received <= 0) continue;
    answer_batch(*store.current(), received);
    WorldStore::quiescent();
  }
  WorldStore::unregister_reader();
}

UdpServer::UdpServer(const std::vector<dns::SocketAddress>& listen, int workers, WorldStore& store,
                     metrics::CounterSet* counters, dnstap::Sink* dnstap)
    : store_(store), limiter_(std::make_unique<rrl::Limiter>(store.current()->options.rrl.table_size)) {
  // One thread per socket, as NSD and gdnsd do: each blocks in its own recvmmsg, so no thread polls.
  for (int w = 0; w < workers; ++w) {
    for (const auto& address : listen) {
      auto worker = std::make_unique<Worker>();
      if (counters) worker->counters = &counters->add_worker();
      // Every worker draws its own weighted-choice sequence from a fresh, never-zero seed.
      worker->scratch.rng = random_seed();
      worker->pktinfo = is_wildcard(address);
      worker->limiter = limiter_.get();
      worker->where = "udp " + address.text;
      if (dnstap) worker->dnstap = &dnstap->producer(workers_.size());
      worker->notify_store = &store_;
      workers_.push_back(std::move(worker));
      workers_.back()->fd = bind_udp(address, workers_.back()->pktinfo);
    }
  }
}

UdpServer::~UdpServer() {
  stop();
  for (auto& w : workers_) {
    if (w->fd >= 0) ::close(w->fd);
  }
}

void UdpServer::start() {
  stopping_ = false;
  for (auto& w : workers_)
    threads_.emplace_back([this, worker = w.get()] { worker->run(store_, stopping_); });
}

void UdpServer::stop() {
  if (threads_.empty()) return;
  stopping_ = true;
  // shutdown() wakes a thread blocked in recvmmsg on a UDP socket (it returns 0); the sockets are not
  // used again after a stop.
  for (auto& w : workers_) ::shutdown(w->fd, SHUT_RDWR);
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace sgdns::net
