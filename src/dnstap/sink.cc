// SPDX-License-Identifier: MIT
// The fstrm I/O thread and the per-thread producers that feed it without locks or allocation.
#include "sgdns/dnstap/sink.h"

#include <fstrm.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string_view>

// ThreadSanitizer builds only (nothing otherwise):
// fstrm hands each frame from a producer to its I/O thread through a single-producer queue ordered by
// its own memory barriers (libmy/my_queue_mb.c: smp_wmb() and a plain store of the head index). The
// library is not instrumented, so TSan sees the queue entry copied in and out (memcpy), the frame read by
// the writer's sendmsg and the buffer released by our callback on that thread, without the ordering the
// barriers give, and reports each as a race. No annotation can fix that from our side: the reads happen
// inside fstrm before any callback of ours runs. So races with fstrm's code on either stack are
// suppressed (our release callback, which fstrm calls, included), and only those.
#if defined(__SANITIZE_THREAD__)
#define SGDNS_TSAN_FSTRM 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SGDNS_TSAN_FSTRM 1
#endif
#endif

#ifdef SGDNS_TSAN_FSTRM
/// Read by the TSan runtime at start-up. Here, not in a file of its own: the runtime's reference to it is
/// weak, which would not pull an object of its own out of the static library.
extern "C" const char* __tsan_default_suppressions() {
  return "race:libfstrm.so\n";
}
#endif

namespace sgdns::dnstap {
namespace {

/// The Frame Streams content type every dnstap reader asks for (fstrm_capture -t, dnstap-read).
constexpr std::string_view kContentType = "protobuf:dnstap.Dnstap";
/// Entries in each producer's queue into fstrm (a power of two, as fstrm requires). fstrm wakes its
/// thread when a queue has 32 free entries left, else drains every second: 256 absorbs a burst of a few
/// thousand queries a second per worker between drains while keeping the buffers behind it ~1.4 MiB.
constexpr unsigned kQueueSize = 256;
/// Buffers per producer: a full queue plus fstrm's output batch (64 frames written by one writev, not
/// yet released), so a free buffer is there whenever the queue has room.
constexpr std::size_t kBuffers = kQueueSize + 64;
/// Longest `extra` text: two names; a longer one is left out rather than cut.
constexpr std::size_t kMaxExtra = 256;

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

void bump(std::atomic<std::uint64_t>& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // single writer
}

}  // namespace

Producer::Producer(Sink& sink, fstrm_iothr_queue* queue, std::size_t buffers)
    : sink_(sink),
      queue_(queue),
      sample_(sink.settings_.sample == 0 ? 1 : sink.settings_.sample),
      memory_(buffers * kMaxFrame),
      buffers_(std::make_unique<Buffer[]>(buffers)),
      buffer_count_(buffers) {
  for (std::size_t i = 0; i < buffers; ++i) buffers_[i].data = memory_.data() + i * kMaxFrame;
}

void Producer::release(void*, void* buffer) noexcept {
  // Called on fstrm's thread once the frame is written (or discarded): the buffer may be reused.
  static_cast<Buffer*>(buffer)->busy.store(false, std::memory_order_release);
}

void Producer::log_sampled(const engine::World& world, const Event& e) noexcept {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::uint8_t extra[kMaxExtra];
  const std::size_t extra_size = extra_text(world, e, extra);
  const auto sec = static_cast<std::uint64_t>(now.tv_sec);
  const auto nsec = static_cast<std::uint32_t>(now.tv_nsec);
  if (sink_.settings_.log_queries) submit(e, false, {extra, extra_size}, sec, nsec);
  if (sink_.settings_.log_responses && !e.response.empty()) submit(e, true, {extra, extra_size}, sec, nsec);
}

void Producer::submit(const Event& e, bool response, std::span<const std::uint8_t> extra, std::uint64_t sec,
                      std::uint32_t nsec) noexcept {
  // Buffers are handed out in order and fstrm releases them in order, so the next one is free unless
  // every buffer is still queued: then the collector is behind and this frame is dropped.
  Buffer& b = buffers_[next_];
  if (b.busy.load(std::memory_order_acquire)) {
    bump(dropped_);
    return;
  }
  const auto* id = reinterpret_cast<const std::uint8_t*>(sink_.identity_.data());
  const std::size_t size =
      encode_frame(e, response, {id, sink_.identity_.size()}, extra, sec, nsec, {b.data, kMaxFrame});
  if (size == 0) {
    bump(dropped_);
    return;
  }
  b.busy.store(true, std::memory_order_relaxed);
  if (fstrm_iothr_submit(sink_.iothr_, queue_, b.data, size, &Producer::release, &b) != fstrm_res_success) {
    b.busy.store(false, std::memory_order_relaxed);  // not taken: still ours
    bump(dropped_);
    return;
  }
  next_ = next_ + 1 == buffer_count_ ? 0 : next_ + 1;
  bump(sent_);
}

Sink::Sink(const Settings& settings, std::size_t producers)
    : settings_(settings), identity_(settings.identity.empty() ? host_name() : settings.identity) {
  if (producers == 0) producers = 1;
  fstrm_unix_writer_options* unix_options = fstrm_unix_writer_options_init();
  fstrm_unix_writer_options_set_socket_path(unix_options, settings.socket.c_str());
  fstrm_writer_options* writer_options = fstrm_writer_options_init();
  fstrm_writer_options_add_content_type(writer_options, kContentType.data(), kContentType.size());
  fstrm_writer* writer = fstrm_unix_writer_init(unix_options, writer_options);
  fstrm_unix_writer_options_destroy(&unix_options);
  fstrm_writer_options_destroy(&writer_options);
  if (!writer) throw std::runtime_error("dnstap: cannot make a Frame Streams writer for " + settings.socket);
  fstrm_iothr_options* options = fstrm_iothr_options_init();
  fstrm_iothr_options_set_num_input_queues(options, static_cast<unsigned>(producers));
  fstrm_iothr_options_set_input_queue_size(options, kQueueSize);
  iothr_ = fstrm_iothr_init(options, &writer);  // takes the writer
  fstrm_iothr_options_destroy(&options);
  if (!iothr_) {
    fstrm_writer_destroy(&writer);
    throw std::runtime_error("dnstap: cannot start the Frame Streams I/O thread");
  }
  for (std::size_t i = 0; i < producers; ++i)
    producers_.push_back(
        std::make_unique<Producer>(*this, fstrm_iothr_get_input_queue_idx(iothr_, i), kBuffers));
}

Sink::~Sink() {
  // Drains every queue, writes it out and joins the thread; the buffers' release callbacks run here, so
  // the producers are destroyed only after.
  fstrm_iothr_destroy(&iothr_);
}

std::uint64_t Sink::sent() const noexcept {
  std::uint64_t n = 0;
  for (const auto& p : producers_) n += p->sent();
  return n;
}

std::uint64_t Sink::dropped() const noexcept {
  std::uint64_t n = 0;
  for (const auto& p : producers_) n += p->dropped();
  return n;
}

}  // namespace sgdns::dnstap
