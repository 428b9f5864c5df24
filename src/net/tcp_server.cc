// SPDX-License-Identifier: MIT
// TCP transport on libuv: framing, pipelining, idle timeout, connection limit, back-pressure, AXFR.
#include "sgdns/net/tcp_server.h"

#include <uv.h>

#include <cstring>
#include <stdexcept>
#include <unordered_set>

#include "sgdns/dns/types.h"
#include "sgdns/engine/engine.h"
#include "sgdns/util/log.h"

namespace sgdns::net {
namespace {

/// Unsent replies a connection may queue before we stop reading its queries (RFC 7766 section 6.2.3:
/// a client that does not read must not make the server buffer without bound).
constexpr std::size_t kMaxPendingBytes = 1 << 20;
constexpr int kListenBacklog = 1024;

}  // namespace

struct TcpServer::Impl {
  struct Connection {
    uv_tcp_t tcp{};
    uv_timer_t idle{};
    Impl* server = nullptr;
    sockaddr_storage peer{};
    std::vector<std::uint8_t> in;
    std::vector<std::uint8_t> pending;   // replies not yet handed to the kernel
    std::vector<std::uint8_t> inflight;  // the replies of the write in progress
    uv_write_t write_req{};
    bool writing = false;
    bool reading = true;
    bool peer_done = false;  // EOF read: close once the replies are out
    bool closing = false;
    int open_handles = 2;
  };

  Impl(TcpLimits l, WorldStore& s) : limits(l), store(s), out(dns::kMaxMessage) {
    uv_loop_init(&loop);
    uv_async_init(&loop, &stop_async, [](uv_async_t* a) { static_cast<Impl*>(a->data)->shutdown(); });
    stop_async.data = this;
  }
  ~Impl() {
    uv_run(&loop, UV_RUN_DEFAULT);  // lets pending close callbacks run if the thread never started
    uv_loop_close(&loop);
  }

  void listen_on(const config::SocketAddress& address) {
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(&loop, tcp);
    tcp->data = this;
    listeners.push_back(tcp);
    unsigned flags = address.family() == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    int rc = uv_tcp_bind(tcp, address.get(), flags);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), kListenBacklog, on_connection);
    if (rc != 0) throw std::runtime_error("tcp " + address.text + ": " + uv_strerror(rc));
  }

  static void on_connection(uv_stream_t* listener, int status) {
    auto* self = static_cast<Impl*>(listener->data);
    if (status < 0) return;
    auto* c = new Connection;
    c->server = self;
    uv_tcp_init(&self->loop, &c->tcp);
    uv_timer_init(&self->loop, &c->idle);
    c->tcp.data = c->idle.data = c;
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
        static_cast<int>(self->connections.size()) >= self->limits.max_connections) {
      close(c);  // over the limit: refuse by closing at once, as Knot and NSD do
      return;
    }
    self->connections.insert(c);
    int len = sizeof c->peer;
    uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&c->peer), &len);
    uv_tcp_nodelay(&c->tcp, 1);
    self->arm_idle(c);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
  }

  void arm_idle(Connection* c) {
    uv_timer_start(&c->idle, on_idle, static_cast<std::uint64_t>(limits.idle_timeout_ms), 0);
  }

  static void on_idle(uv_timer_t* t) {
    auto* c = static_cast<Connection*>(t->data);
    if (c->writing) {  // a slow reader of a long answer is not idle
      c->server->arm_idle(c);
      return;
    }
    close(c);
  }

  static void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(h->data)->server;
    *buf = uv_buf_init(reinterpret_cast<char*>(self->read_buffer), sizeof self->read_buffer);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(stream->data);
    if (nread < 0) {
      c->peer_done = true;
      if (!c->writing && c->pending.empty())
        close(c);
      else
        uv_read_stop(stream);
      return;
    }
    if (nread == 0) return;
    c->in.insert(c->in.end(), buf->base, buf->base + nread);
    c->server->arm_idle(c);
    if (!c->server->answer_all(c)) {
      close(c);
      return;
    }
    c->server->flush(c);
  }

  /// Answers every complete message in the input buffer, in order. False on a framing error.
  bool answer_all(Connection* c) {
    std::size_t off = 0;
    WorldStore::online();
    const engine::World& world = *store.current();
    engine::Client client{reinterpret_cast<const sockaddr*>(&c->peer), engine::Transport::Tcp};
    bool ok = true;
    while (c->in.size() - off >= 2) {
      std::size_t len = (std::size_t{c->in[off]} << 8) | c->in[off + 1];
      if (len == 0) {
        ok = false;
        break;
      }
      if (c->in.size() - off - 2 < len) break;
      std::span<const std::uint8_t> msg(c->in.data() + off + 2, len);
      off += 2 + len;
      engine::Reply reply = engine::answer(world, msg, client, scratch, out);
      if (counters)
        counters->count(1, scratch.query, reply,
                        reply.size == 0 && reply.outcome != engine::Outcome::Transfer);
      if (reply.outcome == engine::Outcome::Transfer) {
        engine::transfer(world, client, scratch,
                         [c](std::span<const std::uint8_t> m) { append_frame(c, m); });
      } else if (reply.size > 0) {
        append_frame(c, {out.data(), reply.size});
      }
    }
    WorldStore::quiescent();
    WorldStore::offline();
    c->in.erase(c->in.begin(), c->in.begin() + static_cast<std::ptrdiff_t>(off));
    return ok;
  }

  static void append_frame(Connection* c, std::span<const std::uint8_t> m) {
    c->pending.push_back(static_cast<std::uint8_t>(m.size() >> 8));
    c->pending.push_back(static_cast<std::uint8_t>(m.size()));
    c->pending.insert(c->pending.end(), m.begin(), m.end());
  }

  void flush(Connection* c) {
    if (c->closing) return;
    if (!c->writing && !c->pending.empty()) {
      std::swap(c->pending, c->inflight);
      c->pending.clear();
      c->writing = true;
      uv_buf_t b =
          uv_buf_init(reinterpret_cast<char*>(c->inflight.data()), static_cast<unsigned>(c->inflight.size()));
      c->write_req.data = c;
      uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, on_written);
    }
    bool too_much = c->pending.size() > kMaxPendingBytes;
    if (too_much && c->reading) {
      uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
      c->reading = false;
    } else if (!too_much && !c->reading && !c->peer_done) {
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
      c->reading = true;
    }
  }

  static void on_written(uv_write_t* req, int status) {
    auto* c = static_cast<Connection*>(req->data);
    c->writing = false;
    c->inflight.clear();
    if (status < 0 || c->closing) {
      close(c);
      return;
    }
    if (c->peer_done && c->pending.empty()) {
      close(c);
      return;
    }
    c->server->flush(c);
  }

  static void close(Connection* c) {
    if (c->closing) return;
    c->closing = true;
    c->server->connections.erase(c);
    auto done = [](uv_handle_t* h) {
      auto* conn = static_cast<Connection*>(h->data);
      if (--conn->open_handles == 0) delete conn;
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), done);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->idle), done);
  }

  void shutdown() {
    if (shut_down) return;
    shut_down = true;
    for (uv_tcp_t* l : listeners) {
      uv_close(reinterpret_cast<uv_handle_t*>(l),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    }
    listeners.clear();
    std::vector<Connection*> open(connections.begin(), connections.end());
    for (Connection* c : open) close(c);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop_async), nullptr);
  }

  uv_loop_t loop{};
  uv_async_t stop_async{};
  bool shut_down = false;
  std::vector<uv_tcp_t*> listeners;
  std::unordered_set<Connection*> connections;
  TcpLimits limits;
  WorldStore& store;
  engine::Scratch scratch;
  metrics::WorkerCounters* counters = nullptr;
  std::vector<std::uint8_t> out;
  std::uint8_t read_buffer[65536 + 2];
};

TcpServer::TcpServer(const std::vector<config::SocketAddress>& listen, TcpLimits limits, WorldStore& store,
                     metrics::CounterSet* counters)
    : impl_(std::make_unique<Impl>(limits, store)) {
  if (counters) impl_->counters = &counters->add_worker();
  for (const auto& address : listen) impl_->listen_on(address);
}

TcpServer::~TcpServer() {
  stop();
  if (!thread_.joinable() && impl_) impl_->shutdown();
}

void TcpServer::start() {
  thread_ = std::thread([impl = impl_.get()] {
    WorldStore::register_reader();
    WorldStore::offline();
    uv_run(&impl->loop, UV_RUN_DEFAULT);
    WorldStore::online();
    WorldStore::unregister_reader();
  });
}

void TcpServer::stop() {
  if (!thread_.joinable()) return;
  uv_async_send(&impl_->stop_async);
  thread_.join();
}

}  // namespace sgdns::net
