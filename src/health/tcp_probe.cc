// SPDX-License-Identifier: MIT
// TCP check: success is a completed connect within the timeout; the connection is then reset at once.
#include <string>

#include "probe.h"

namespace sgdns::health {
namespace {

class TcpProbe final : public Probe {
 public:
  TcpProbe(uv_loop_t* loop, ProbeSink* sink, long timeout_ms)
      : Probe(sink, uv_now(loop)), started_ns_(uv_hrtime()), timeout_ms_(timeout_ms) {
    uv_tcp_init(loop, &tcp_);
    uv_timer_init(loop, &timer_);
    tcp_.data = this;
    timer_.data = this;
  }

  /// Starts the connect and the timeout; returns a libuv error when the connect fails at once.
  int start(const sockaddr_storage& address) {
    connect_.data = this;
    int rc = uv_tcp_connect(&connect_, &tcp_, reinterpret_cast<const sockaddr*>(&address), &on_connect);
    if (rc == 0) uv_timer_start(&timer_, &on_timeout, static_cast<std::uint64_t>(timeout_ms_), 0);
    return rc;
  }

  void abandon() override {
    detach();
    close(false);
  }

 private:
  static void on_connect(uv_connect_t* req, int status) {
    auto* self = static_cast<TcpProbe*>(req->data);
    // UV_ECANCELED: we closed the socket ourselves (timeout or abandon), which was already handled.
    if (status == UV_ECANCELED) return;
    self->finish(status);
  }

  static void on_timeout(uv_timer_t* handle) {
    auto* self = static_cast<TcpProbe*>(handle->data);
    ProbeResult r;
    r.failure = Failure::Timeout;
    r.seconds = seconds_since(self->started_ns_);
    r.detail = "connect: timeout after " + std::to_string(self->timeout_ms_) + " ms";
    self->close(false);
    self->report(std::move(r));
  }

  void finish(int status) {
    ProbeResult r;
    r.seconds = seconds_since(started_ns_);
    r.ok = status == 0;
    if (!r.ok) {
      r.failure = Failure::Refused;  // refused, unreachable, reset: the address does not take connections
      r.detail = std::string("connect: ") + uv_strerror(status);
    }
    close(r.ok);
    report(std::move(r));
  }

  /// Closes both handles once; a connected socket is reset so probes leave no TIME_WAIT behind.
  void close(bool connected) {
    if (closing_) return;
    closing_ = true;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &on_closed);
    if (!connected || uv_tcp_close_reset(&tcp_, &on_closed) != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &on_closed);
    }
  }

  static void on_closed(uv_handle_t* handle) {
    auto* self = static_cast<TcpProbe*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  }

  uv_tcp_t tcp_{};
  uv_timer_t timer_{};
  uv_connect_t connect_{};
  std::uint64_t started_ns_;
  long timeout_ms_;
  int open_handles_ = 2;
  bool closing_ = false;
};

}  // namespace

Probe* start_tcp_probe(uv_loop_t* loop, const Endpoint& endpoint, ProbeSink* sink, ProbeResult& failed) {
  sockaddr_storage address{};
  if (!parse_address(endpoint.address, endpoint.check.port, address)) {
    failed = ProbeResult{false, Failure::Other, 0, 0, "bad address " + endpoint.address};
    return nullptr;
  }
  auto* probe = new TcpProbe(loop, sink, effective_timeout_ms(endpoint.check));
  if (int rc = probe->start(address); rc != 0) {
    probe->abandon();  // frees itself once its handles have closed
    failed = ProbeResult{false, Failure::Refused, 0, 0, std::string("connect: ") + uv_strerror(rc)};
    return nullptr;
  }
  return probe;
}

}  // namespace sgdns::health
