// SPDX-License-Identifier: MIT
// dnstap output (https://dnstap.info): AUTH_QUERY / AUTH_RESPONSE messages, each a protobuf Dnstap frame,
// written to a Frame Streams unix socket by fstrm's own I/O thread.
//
// The query path only encodes into a buffer it owns and enqueues it: every logging thread has its own
// producer with preallocated frame buffers and its own single-producer queue into fstrm (lock-free), so
// logging never allocates, locks or waits. A frame that finds no free buffer or a full queue (the
// collector is slower than the queries) is dropped and counted, never waited for. Off by default; when
// off there is no sink, and the transports skip it with one predictable branch on a null pointer.
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sgdns/dnstap/settings.h"
#include "sgdns/engine/engine.h"

struct fstrm_iothr;
struct fstrm_iothr_queue;

namespace sgdns::dnstap {

/// One answered query, as the transport saw it.
struct Event {
  std::span<const std::uint8_t> query;     // the bytes received (ECS and all)
  std::span<const std::uint8_t> response;  // the bytes sent; empty when nothing was (dropped, transfer)
  const sockaddr* peer = nullptr;          // the client; may be null in tests
  engine::Transport transport = engine::Transport::Udp;
  std::int32_t region = -1;  // engine::Reply::region: the client's region for a policy answer, else -1
  std::int32_t pool = -1;    // engine::Reply::pool: the pool chosen, else -1
};

/// Largest Dnstap frame a producer buffer holds: any UDP query or reply (our payload maximum is 4096)
/// plus the envelope (identity, addresses, times, `extra`). Larger ones (big TCP answers) are dropped
/// and counted rather than making every buffer 64 KiB.
inline constexpr std::size_t kMaxFrame = 4096 + 512;

/// Writes the Dnstap frame for `e` (type AUTH_QUERY, or AUTH_RESPONSE when `response`) into `out`, taking
/// the identity, the `extra` text (`region=NAME pool=NAME`, either part absent when not decided; no
/// `extra` for static answers) and the time given. Returns the frame's size, or 0 when it does not fit.
/// Never allocates.
[[nodiscard]] std::size_t encode_frame(const Event& e, bool response, std::span<const std::uint8_t> identity,
                                       std::span<const std::uint8_t> extra, std::uint64_t sec,
                                       std::uint32_t nsec, std::span<std::uint8_t> out) noexcept;

/// Writes `region=NAME pool=NAME` for `e` into `out` (names from the World that answered; a part is left
/// out when its index is -1, or out of range for that World). Returns the length, 0 when there is neither.
[[nodiscard]] std::size_t extra_text(const engine::World& world, const Event& e,
                                     std::span<std::uint8_t> out) noexcept;

class Sink;

/// One thread's way into the stream: used by that thread alone.
class Producer {
 public:
  /// Logs `e` when this query is sampled (one in Settings::sample, counted per producer). An empty
  /// datagram is not a query and is not logged (nor counted): UDP sockets also see one when they are shut
  /// down at stop.
  void log(const engine::World& world, const Event& e) noexcept {
    if (e.query.empty() || ++seen_ < sample_) return;
    seen_ = 0;
    log_sampled(world, e);
  }
  /// Frames handed to fstrm, and frames dropped (no free buffer, queue full, too large); read from any
  /// thread.
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  Producer(Sink& sink, fstrm_iothr_queue* queue, std::size_t buffers);
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

 private:
  /// A frame buffer: owned by fstrm from submit until its free callback (on the I/O thread) clears `busy`.
  struct alignas(64) Buffer {
    std::atomic<bool> busy{false};
    std::uint8_t* data = nullptr;
  };
  void log_sampled(const engine::World& world, const Event& e) noexcept;
  void submit(const Event& e, bool response, std::span<const std::uint8_t> extra, std::uint64_t sec,
              std::uint32_t nsec) noexcept;
  static void release(void* data, void* buffer) noexcept;

  Sink& sink_;
  fstrm_iothr_queue* queue_;
  std::uint32_t sample_;
  std::uint32_t seen_ = 0;
  std::size_t next_ = 0;
  std::vector<std::uint8_t> memory_;  // buffers.size() x kMaxFrame
  std::unique_ptr<Buffer[]> buffers_;
  std::size_t buffer_count_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

class Sink {
 public:
  /// Starts fstrm's I/O thread for `producers` logging threads. The thread connects to settings.socket
  /// when it can, and again every 5 seconds while the collector is away (frames meanwhile are discarded):
  /// a missing collector never stops or slows the server. Throws std::runtime_error when fstrm cannot
  /// start (a socket path too long, no thread).
  Sink(const Settings& settings, std::size_t producers);
  /// Writes out what is queued and stops the I/O thread; every producer must have stopped logging.
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  /// The i-th producer (i < producers), for one thread's exclusive use.
  [[nodiscard]] Producer& producer(std::size_t i) { return *producers_.at(i); }
  [[nodiscard]] std::size_t producer_count() const noexcept { return producers_.size(); }
  [[nodiscard]] std::uint64_t sent() const noexcept;
  [[nodiscard]] std::uint64_t dropped() const noexcept;

 private:
  friend class Producer;
  fstrm_iothr* iothr_ = nullptr;
  Settings settings_;
  std::string identity_;
  std::vector<std::unique_ptr<Producer>> producers_;
};

}  // namespace sgdns::dnstap
