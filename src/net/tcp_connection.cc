// SPDX-License-Identifier: MIT
// One TCP connection: read, answer between messages while the backlog allows, write in chunks, deadlines.
#include "tcp_connection.h"

#include <ctime>
#include <limits>

#include "sgdns/dns/address.h"
#include "sgdns/dns/wire_reader.h"
#include "sgdns/dns/writer.h"
#include "sgdns/util/log.h"
#include "survived_error.h"

namespace sgdns::net {
namespace {

/// Replies are handed to libuv at most this much at a time, so that reply_timeout judges every 64 KiB
/// (one largest message) and not a whole zone transfer at once.
constexpr std::size_t kWriteChunk = 64 * 1024;

}  // namespace

void TcpConnection::accept(TcpContext& ctx, uv_stream_t* listener) {
  auto* c = new TcpConnection(ctx);
  uv_tcp_init(ctx.loop, &c->tcp);
  uv_timer_init(ctx.loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  if (const int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)); rc != 0) {
    survived_error(ctx.counters, metrics::SocketError::TcpAccept, "tcp", rc);
    c->closing = true;  // never was a connection: nothing to count
    auto done = [](uv_handle_t* h) {
      auto* conn = static_cast<TcpConnection*>(h->data);
      if (--conn->open_handles == 0) delete conn;
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), done);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), done);
    return;
  }
  if (ctx.counters) metrics::WorkerCounters::bump(ctx.counters->tcp_accepted);
  int len = sizeof c->peer;
  uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&c->peer), &len);
  c->source = source_key(reinterpret_cast<const sockaddr*>(&c->peer));
  if (ctx.slots.from(c->source) >= ctx.limits.max_per_source) {
    c->close(metrics::TcpClose::SourceLimit);
    return;
  }
  if (static_cast<int>(ctx.slots.size()) >= ctx.limits.max_connections) {
    // Evict rather than refuse: refusing at the cap is what lets a flood of idle connections lock every
    // real client out (the slow-connection attack); the longest idle is the likeliest to be one of them.
    if (TcpConnection* victim = ctx.slots.longest_idle([](TcpConnection* x) { return x->writing; }))
      victim->close(metrics::TcpClose::Evicted);
  }
  c->slot = ctx.slots.add(c, c->source);
  c->registered = true;
  uv_tcp_nodelay(&c->tcp, 1);
  c->active_since = uv_now(ctx.loop);
  c->arm_timer();
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
}

void TcpConnection::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  TcpContext* ctx = static_cast<TcpConnection*>(h->data)->ctx;
  *buf = uv_buf_init(reinterpret_cast<char*>(ctx->read_buffer), sizeof ctx->read_buffer);
}

void TcpConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<TcpConnection*>(stream->data);
  if (nread == UV_EOF) {
    c->peer_done = true;
    c->set_reading(false);
    if (!c->writing && c->pending.empty()) c->close(metrics::TcpClose::PeerClosed);
    return;
  }
  if (nread < 0) {  // reset, or any other error: nothing more can be delivered either
    c->close(metrics::TcpClose::Error);
    return;
  }
  if (nread == 0) return;
  const std::uint64_t now = uv_now(c->ctx->loop);
  if (c->in.empty()) c->partial_since = now;  // the first byte of the next query
  // Reading stops at the backlog bound, so `in` holds at most a leftover and one read: sized once.
  if (c->in.capacity() == 0) c->in.reserve(2 * sizeof c->ctx->read_buffer);
  c->in.insert(c->in.end(), buf->base, buf->base + nread);
  if (!c->answer_waiting()) {
    c->close(metrics::TcpClose::BadFrame);
    return;
  }
  c->flush();
  c->arm_timer();
}

bool TcpConnection::answer_waiting() {
  TcpContext& x = *ctx;
  const std::uint64_t now = uv_now(x.loop);
  WorldStore::online();
  const engine::World& world = *x.store.current();
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Tcp};
  client.now = static_cast<std::uint32_t>(std::time(nullptr));
  bool ok = true;
  // The backlog is checked before every message, not after a whole read: a read can hold hundreds of
  // pipelined queries, and a client that does not read must not make us buffer all their replies.
  dns::WireReader stream({in.data(), in.size()});
  std::span<const std::uint8_t> msg;
  while (!over_bound()) {
    if (transfer && !pump_transfer()) break;
    if (transfer) break;  // queries pipelined behind a transfer wait for it
    const dns::FrameStatus frame = dns::read_frame(stream, msg);
    if (frame == dns::FrameStatus::Incomplete) break;
    if (frame == dns::FrameStatus::Empty) {
      ok = false;  // RFC 7766 8: a zero-length message cannot be DNS
      break;
    }
    engine::Reply reply = engine::answer(world, msg, client, x.scratch, x.out);
    client.key = nullptr;
    if (x.scratch.query.has_tsig)
      reply = engine::answer_signed(world, msg, client, x.scratch, x.out, client.now);
    if (reply.outcome == engine::Outcome::Notify) x.store.notified(x.scratch.query.lqname);
    if (x.counters)
      x.counters->count(1, x.scratch.query, reply,
                        reply.size == 0 && reply.outcome != engine::Outcome::Transfer);
    if (x.dnstap) {  // a transfer's messages are not logged, only the query that asked for it
      const std::size_t sent = reply.outcome == engine::Outcome::Transfer ? 0 : reply.size;
      x.dnstap->log(
          world,
          {msg, {x.out.data(), sent}, client.address, engine::Transport::Tcp, reply.region, reply.pool});
    }
    if (reply.outcome == engine::Outcome::Transfer) {
      start_transfer(world, client);
    } else if (reply.size > 0) {
      append_frame({x.out.data(), reply.size});
    }
  }
  WorldStore::quiescent();
  WorldStore::offline();
  const std::size_t off = stream.offset();
  if (off > 0) {
    in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(off));
    active_since = now;  // only a complete query makes a connection active
    x.slots.touch(slot);
    partial_since = in.empty() ? 0 : now;  // what is left began in this read
  }
  // Waiting behind our own backlog is not the client being slow: the query deadline restarts when
  // reading resumes.
  if (over_bound()) partial_since = 0;
  return ok;
}

void TcpConnection::start_transfer(const engine::World& world, const engine::Client& client) {
  TcpContext& x = *ctx;
  if (x.transfers >= x.limits.max_transfers) {
    // At the cap a secondary is told to come back later (it retries on its SOA retry timer) rather than
    // queued: each transfer in progress holds a zone version in memory.
    log::warn("transfer to " + dns::ip_text(client.address) + ": refused, " + std::to_string(x.transfers) +
              " transfers in progress (tcp.max_transfers)");
    dns::Writer w(x.out.data(), x.out.size());
    w.begin(x.scratch.query.id, dns::flag::kQR | dns::rcode::kServFail);
    (void)w.put_question(x.scratch.query.qname, x.scratch.query.qtype, x.scratch.query.qclass);
    append_frame({x.out.data(), w.finish()});
    return;
  }
  ++x.transfers;
  transfer = std::make_unique<engine::TransferStream>(world, client, x.scratch);
}

bool TcpConnection::pump_transfer() {
  TcpContext& x = *ctx;
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  while (!over_bound()) {
    const std::size_t size = transfer->next(x.out, now);
    if (size > 0) append_frame({x.out.data(), size});
    if (transfer->done()) {
      transfer.reset();
      --x.transfers;
      return true;
    }
  }
  return false;
}

void TcpConnection::append_frame(std::span<const std::uint8_t> m) {
  // Parsing stops once the backlog reaches max_pending, so one more reply is the most it ever holds
  // (a zone transfer aside): sized once, never doubled past the bound.
  if (pending.capacity() == 0) pending.reserve(ctx->limits.max_pending + dns::kMaxMessage + 2);
  pending.push_back(static_cast<std::uint8_t>(m.size() >> 8));
  pending.push_back(static_cast<std::uint8_t>(m.size()));
  pending.insert(pending.end(), m.begin(), m.end());
}

void TcpConnection::flush() {
  if (closing) return;
  if (!writing && inflight_off == inflight.size() && !pending.empty()) {
    std::swap(pending, inflight);
    pending.clear();
    inflight_off = 0;
  }
  if (!writing && inflight_off < inflight.size()) {
    chunk = std::min(kWriteChunk, inflight.size() - inflight_off);
    uv_buf_t b =
        uv_buf_init(reinterpret_cast<char*>(inflight.data() + inflight_off), static_cast<unsigned>(chunk));
    write_req.data = this;
    writing = true;
    write_since = uv_now(ctx->loop);
    uv_write(&write_req, reinterpret_cast<uv_stream_t*>(&tcp), &b, 1, on_written);
  }
  set_reading(!over_bound() && !peer_done);
}

void TcpConnection::set_reading(bool on) {
  if (on == reading || closing) return;
  if (on) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp), on_alloc, on_read);
    if (!in.empty()) partial_since = uv_now(ctx->loop);
  } else {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp));
  }
  reading = on;
}

void TcpConnection::on_written(uv_write_t* req, int status) {
  auto* c = static_cast<TcpConnection*>(req->data);
  c->writing = false;
  c->write_since = 0;
  if (status < 0 || c->closing) {
    c->close(metrics::TcpClose::Error);
    return;
  }
  c->inflight_off += c->chunk;
  if (c->inflight_off == c->inflight.size()) {
    c->inflight.clear();
    c->inflight_off = 0;
    if (c->pending.empty()) c->active_since = uv_now(c->ctx->loop);  // drained: idle from now
  }
  // Queries held back by the backlog are answered now that it shrank.
  if (!c->over_bound() && (!c->in.empty() || c->transfer) && !c->answer_waiting()) {
    c->close(metrics::TcpClose::BadFrame);
    return;
  }
  if (c->peer_done && c->pending.empty() && c->inflight.empty()) {
    c->close(metrics::TcpClose::PeerClosed);
    return;
  }
  c->flush();
  c->arm_timer();
}

std::uint64_t TcpConnection::next_deadline() const noexcept {
  const TcpLimits& l = ctx->limits;
  std::uint64_t due = std::numeric_limits<std::uint64_t>::max();
  // A connection writing replies is not idle: its writes are judged by the reply deadline instead.
  if (writing) {
    due = write_since + static_cast<std::uint64_t>(l.reply_timeout_ms);
  } else {
    due = active_since + static_cast<std::uint64_t>(l.idle_timeout_ms);
  }
  if (partial_since) due = std::min(due, partial_since + static_cast<std::uint64_t>(l.query_timeout_ms));
  return due;
}

void TcpConnection::arm_timer() {
  if (closing) return;
  const std::uint64_t due = next_deadline();
  // The timer only ever moves earlier here; when a deadline moves later (the common case: another query
  // arrived), the timer fires early, finds nothing due and re-arms. That keeps the per-query cost to a
  // stored time, not a timer-heap update.
  if (timer_due != 0 && timer_due <= due) return;
  timer_due = due;
  const std::uint64_t now = uv_now(ctx->loop);
  uv_timer_start(&timer, on_timer, due > now ? due - now : 0, 0);
}

void TcpConnection::on_timer(uv_timer_t* t) {
  auto* c = static_cast<TcpConnection*>(t->data);
  c->timer_due = 0;
  const std::uint64_t now = uv_now(c->ctx->loop);
  const TcpLimits& l = c->ctx->limits;
  if (c->writing && now >= c->write_since + static_cast<std::uint64_t>(l.reply_timeout_ms)) {
    c->close(metrics::TcpClose::ReplyTimeout);
  } else if (c->partial_since && now >= c->partial_since + static_cast<std::uint64_t>(l.query_timeout_ms)) {
    c->close(metrics::TcpClose::QueryTimeout);
  } else if (!c->writing && now >= c->active_since + static_cast<std::uint64_t>(l.idle_timeout_ms)) {
    c->close(metrics::TcpClose::IdleTimeout);
  } else {
    c->arm_timer();
  }
}

void TcpConnection::close(metrics::TcpClose cause) {
  if (closing) return;
  closing = true;
  if (transfer) {
    transfer.reset();
    --ctx->transfers;
  }
  if (ctx->counters)
    metrics::WorkerCounters::bump(ctx->counters->tcp_closed[static_cast<std::size_t>(cause)]);
  if (registered) ctx->slots.remove(slot, source);
  registered = false;
  auto done = [](uv_handle_t* h) {
    auto* conn = static_cast<TcpConnection*>(h->data);
    if (--conn->open_handles == 0) delete conn;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), done);
}

}  // namespace sgdns::net
