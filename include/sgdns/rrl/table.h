// SPDX-License-Identifier: MIT
// The response rate limiting table: a fixed array of token buckets shared by every UDP worker, each one
// 64-bit word updated by compare-and-swap. No lock, no allocation after construction.
//
// A bucket runs GCRA (the generic cell rate algorithm, a token bucket stored as one time): it keeps the
// "theoretical arrival time" TAT of the next response. A response at time t is allowed when TAT - t is at
// most the burst tolerance, and then moves TAT to max(TAT, t) + 1/rate. So a quiet bucket allows
// rate x window responses at once, then `rate` a second, which is exactly a token bucket of that size
// without a separate token count and refill time (NSD and Knot keep both, and a lock, per bucket).
//
// Word layout: [tag:23][limited:1][TAT:40]. TAT is in microseconds modulo 2^40 (12.7 days); a TAT that
// lies further ahead than any live bucket can be is read as stale. The tag is the top of the key's hash:
// a bucket whose tag differs belongs to another key and is taken over (as NSD does), so the table never
// grows and an old key costs nothing to forget. `limited` remembers that the bucket is refusing, so the
// start of limiting is logged once, and while it lasts a flood only reads the word, never writes it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace sgdns::rrl {

class Table {
 public:
  /// `buckets` is rounded up to a power of two. The memory is only touched as buckets are used.
  explicit Table(std::size_t buckets);
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  struct Result {
    bool allowed = true;
    bool started = false;  // this response turned the bucket from allowing to refusing
    bool ended = false;    // this response is the first one allowed after a refusal
  };

  /// One response for the key whose hash is `hash`, at `now_us`. `interval_us` is 1/rate, `tolerance_us`
  /// the burst tolerance (window - interval).
  [[nodiscard]] Result take(std::uint64_t hash, std::uint64_t now_us, std::uint64_t interval_us,
                            std::uint64_t tolerance_us) noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return mask_ + 1; }

 private:
  std::uint64_t* words_;
  std::size_t mask_;
};

}  // namespace sgdns::rrl
