// SPDX-License-Identifier: MIT
// SignatureCache: signatures of answers signed on the query path, shared by every worker without a lock.
//
// Keyed by the signed RRset's exact content: a 128-bit SipHash (libsodium, random key per cache, so
// nobody outside can aim for a collision) of owner, type, TTL, the signing key, and the RDATA set (the
// per-RR hashes are added, so the order the RRs were chosen in does not matter). A fixed-size table,
// open addressed in buckets of four slots; each slot is a seqlock: a reader copies the slot and
// checks the sequence did not move, a writer claims the slot with one compare-and-swap and simply
// skips the insert when another writer holds it. So a hit is a few atomic loads, and a miss costs the
// worker one signature. Every field is an atomic word, so the races a seqlock tolerates are not data races.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "sgdns/dnssec/rrsig.h"

namespace sgdns::dnssec {

struct ContentKey {
  std::uint64_t a = 0, b = 0;
  friend bool operator==(const ContentKey&, const ContentKey&) = default;
};

class SignatureCache {
 public:
  /// `entries` is rounded up to a power of two (at least 4).
  explicit SignatureCache(std::size_t entries);
  ~SignatureCache();
  SignatureCache(const SignatureCache&) = delete;
  SignatureCache& operator=(const SignatureCache&) = delete;

  /// The key of an RRset: start with header(), then add() each RR's RDATA.
  [[nodiscard]] ContentKey header(const std::uint8_t* lowercase_owner, std::size_t owner_len,
                                  std::uint16_t type, std::uint32_t ttl, std::uint16_t key_tag,
                                  std::uint8_t algorithm) const noexcept;
  void add(ContentKey& key, const std::uint8_t* rdata, std::uint16_t size) const noexcept;

  /// Copies the signature stored for `key` into `out` when there is one that should still be served at
  /// `now` (before its refresh time).
  [[nodiscard]] bool find(const ContentKey& key, std::uint32_t now, Signature& out) const noexcept;
  /// Stores a signature; served until `refresh_at`. Skipped when another thread is writing the slot.
  void insert(const ContentKey& key, const Signature& sig, std::uint32_t refresh_at) noexcept;

  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
  /// Bytes per entry (one slot: sequence, key, refresh time, signature, padded to a cache line pair).
  static std::size_t bytes_per_entry() noexcept;

 private:
  struct Slot;
  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;
  std::uint8_t hash_key_[16];
};

}  // namespace sgdns::dnssec
