// SPDX-License-Identifier: MIT
// GCRA buckets in one atomic word each (see table.h for the layout and the algorithm).
#include "sgdns/rrl/table.h"

#include <atomic>
#include <bit>
#include <cstdlib>
#include <new>

namespace sgdns::rrl {
namespace {

constexpr unsigned kTimeBits = 40;
constexpr std::uint64_t kTimeMask = (std::uint64_t{1} << kTimeBits) - 1;
constexpr std::uint64_t kLimited = std::uint64_t{1} << kTimeBits;
constexpr unsigned kTagShift = kTimeBits + 1;

}  // namespace

Table::Table(std::size_t buckets) : mask_(std::bit_ceil(buckets < 2 ? std::size_t{2} : buckets) - 1) {
  // calloc: zeroed pages from the kernel, resident only once written. A zero word is an empty bucket.
  words_ = static_cast<std::uint64_t*>(std::calloc(mask_ + 1, sizeof(std::uint64_t)));
  if (!words_) throw std::bad_alloc();
}

Table::~Table() {
  std::free(words_);
}

Table::Result Table::take(std::uint64_t hash, std::uint64_t now_us, std::uint64_t interval_us,
                          std::uint64_t tolerance_us) noexcept {
  std::atomic_ref<std::uint64_t> word(words_[hash & mask_]);
  const std::uint64_t tag = hash >> kTagShift;
  const std::uint64_t now = now_us & kTimeMask;
  std::uint64_t old = word.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t tat = now;  // a new, taken-over or long-quiet bucket starts full
    bool was_limited = false;
    if ((old >> kTagShift) == tag) {
      const std::uint64_t ahead = ((old & kTimeMask) - now) & kTimeMask;
      // A live TAT is at most tolerance + interval ahead; anything else lies in the past (the mod-2^40
      // difference is then huge): the bucket has refilled.
      if (ahead <= tolerance_us + interval_us) tat = old & kTimeMask;
      was_limited = (old & kLimited) != 0;
    }
    if (((tat - now) & kTimeMask) > tolerance_us) {
      if (was_limited) return {false, false, false};  // read only: a flood does not bounce the line
      const std::uint64_t marked = (tag << kTagShift) | kLimited | tat;
      if (word.compare_exchange_weak(old, marked, std::memory_order_relaxed)) return {false, true, false};
      continue;
    }
    const std::uint64_t next = (tag << kTagShift) | ((tat + interval_us) & kTimeMask);
    if (word.compare_exchange_weak(old, next, std::memory_order_relaxed)) return {true, false, was_limited};
  }
}

}  // namespace sgdns::rrl
