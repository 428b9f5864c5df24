// SPDX-License-Identifier: MIT
// TCP transport on libuv: the listeners, the loop thread and shutdown. Each connection (framing,
// pipelining, deadlines, back-pressure, AXFR) is a TcpConnection; who holds the slots is TcpSlots.
#include "sgdns/net/tcp_server.h"

#include <uv.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "random_seed.h"
#include "survived_error.h"
#include "tcp_connection.h"

namespace sgdns::net {
namespace {

constexpr int kListenBacklog = 1024;

}  // namespace

struct TcpServer::Impl {
  Impl(TcpLimits l, WorldStore& s) : ctx(&loop, l, s) {
    uv_loop_init(&loop);
    uv_async_init(&loop, &stop_async, [](uv_async_t* a) { static_cast<Impl*>(a->data)->shutdown(); });
    stop_async.data = this;
  }
  ~Impl() {
    // A constructor that threw (a listen address that cannot be bound) leaves the stop handle and the
    // listeners open: close them first, or this uv_run would wait for them forever.
    if (!shut_down) shutdown();
    uv_run(&loop, UV_RUN_DEFAULT);  // lets pending close callbacks run if the thread never started
    uv_loop_close(&loop);
  }

  void listen_on(const dns::SocketAddress& address) {
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(&loop, tcp);
    tcp->data = this;
    listeners.push_back(tcp);
    listener_names.push_back("tcp " + address.text);
    unsigned flags = address.family() == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    int rc = uv_tcp_bind(tcp, address.get(), flags);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), kListenBacklog, on_connection);
    if (rc != 0) throw std::runtime_error(address.text + ": tcp: " + uv_strerror(rc));
  }

  static void on_connection(uv_stream_t* listener, int status) {
    auto* self = static_cast<Impl*>(listener->data);
    if (status < 0) {
      // E.g. EMFILE: libuv has already accepted and closed the connection to keep the listener usable.
      survived_error(self->ctx.counters, metrics::SocketError::TcpAccept, self->name_of(listener), status);
      return;
    }
    TcpConnection::accept(self->ctx, listener);
  }

  std::string_view name_of(const uv_stream_t* listener) const {
    for (std::size_t i = 0; i < listeners.size(); ++i)
      if (reinterpret_cast<const uv_stream_t*>(listeners[i]) == listener) return listener_names[i];
    return "tcp";
  }

  void shutdown() {
    if (shut_down) return;
    shut_down = true;
    for (uv_tcp_t* l : listeners) {
      uv_close(reinterpret_cast<uv_handle_t*>(l),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    }
    listeners.clear();
    listener_names.clear();
    std::vector<TcpConnection*> open(ctx.slots.all().begin(), ctx.slots.all().end());
    for (TcpConnection* c : open) c->close(metrics::TcpClose::Shutdown);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop_async), nullptr);
  }

  uv_loop_t loop{};
  uv_async_t stop_async{};
  bool shut_down = false;
  std::vector<uv_tcp_t*> listeners;
  std::vector<std::string> listener_names;  // "tcp ADDR:PORT", beside listeners, for the log
  TcpContext ctx;
};

TcpServer::TcpServer(const std::vector<dns::SocketAddress>& listen, TcpLimits limits, WorldStore& store,
                     metrics::CounterSet* counters, dnstap::Producer* dnstap)
    : impl_(std::make_unique<Impl>(limits, store)) {
  if (counters) impl_->ctx.counters = &counters->add_worker();
  impl_->ctx.dnstap = dnstap;
  impl_->ctx.scratch.rng = random_seed();
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
