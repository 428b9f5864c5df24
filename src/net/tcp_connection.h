// SPDX-License-Identifier: MIT
// One DNS-over-TCP connection (RFC 7766): framing, pipelined queries answered in order, replies written in
// bounded chunks, and the three deadlines that keep one client from holding a slot: a query must arrive
// whole soon after its first byte, queued replies must drain, and a connection with no complete query
// for a while is idle.
#pragma once
#include <uv.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sgdns/engine/engine.h"
#include "sgdns/metrics/counters.h"
#include "sgdns/net/tcp_server.h"
#include "tcp_slots.h"

namespace sgdns::net {

/// What every connection of the TCP thread shares.
struct TcpContext {
  TcpContext(uv_loop_t* l, const TcpLimits& lim, WorldStore& s)
      : loop(l), limits(lim), store(s), out(dns::kMaxMessage) {}
  uv_loop_t* loop;
  TcpLimits limits;
  WorldStore& store;
  engine::Scratch scratch;
  std::vector<std::uint8_t> out;  // one reply
  metrics::WorkerCounters* counters = nullptr;
  dnstap::Producer* dnstap = nullptr;  // null: dnstap off
  TcpSlots slots;
  int transfers = 0;  // zone transfers in progress, against limits.max_transfers
  std::uint8_t read_buffer[65536 + 2];
};

struct TcpConnection {
  /// Accepts the next connection on `listener`: refused (closed) when its source is at its cap; at the
  /// global cap the longest idle connection is evicted to make room.
  static void accept(TcpContext& ctx, uv_stream_t* listener);
  /// Closes the connection for `cause` (counted once); it frees itself when libuv is done with it.
  void close(metrics::TcpClose cause);

  TcpContext* ctx = nullptr;
  bool writing = false;

 private:
  explicit TcpConnection(TcpContext& c) : ctx(&c) {}

  static void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* req, int status);
  static void on_timer(uv_timer_t* t);

  /// Answers the complete queries waiting in `in`, in order, until the replies waiting reach the bound.
  /// False on a framing error.
  bool answer_waiting();
  void append_frame(std::span<const std::uint8_t> message);
  /// Starts the zone transfer the query in ctx->scratch asked for, or refuses it at the cap.
  void start_transfer(const engine::World& world, const engine::Client& client);
  /// Adds transfer messages while the backlog allows; true once the transfer is complete.
  bool pump_transfer();
  /// Hands the next chunk of replies to libuv, and stops or resumes reading by the backlog.
  void flush();
  void set_reading(bool on);
  [[nodiscard]] std::size_t backlog() const noexcept {
    return pending.size() + inflight.size() - inflight_off;
  }
  [[nodiscard]] bool over_bound() const noexcept { return backlog() >= ctx->limits.max_pending; }
  [[nodiscard]] std::uint64_t next_deadline() const noexcept;
  void arm_timer();

  uv_tcp_t tcp{};
  uv_timer_t timer{};
  sockaddr_storage peer{};
  SourceKey source;
  TcpSlots::Position slot{};
  bool registered = false;             // holds a slot in ctx->slots
  std::vector<std::uint8_t> in;        // received bytes not yet answered
  std::vector<std::uint8_t> pending;   // replies not yet handed to libuv
  std::vector<std::uint8_t> inflight;  // replies being written, from inflight_off
  std::size_t inflight_off = 0;
  /// The zone transfer being sent: its next message is made only when the backlog has room, so a
  /// transfer holds at most max_pending bytes however large the zone; queries pipelined behind it wait.
  std::unique_ptr<engine::TransferStream> transfer;
  std::size_t chunk = 0;  // bytes of the write in progress
  uv_write_t write_req{};
  bool reading = true;
  bool peer_done = false;  // EOF read: close once the replies are out
  bool closing = false;
  int open_handles = 2;
  // Loop times (ms) behind the deadlines; 0 = not running.
  std::uint64_t active_since = 0;   // last complete query, or last reply drained
  std::uint64_t partial_since = 0;  // first byte of a query not yet complete
  std::uint64_t write_since = 0;    // start of the write in progress
  std::uint64_t timer_due = 0;      // when the timer fires
};

}  // namespace sgdns::net
