// SPDX-License-Identifier: MIT
// The lock-free signature cache (see signature_cache.h for the design).
#include "sgdns/dnssec/signature_cache.h"

#include <sodium.h>

#include <bit>
#include <cstring>

namespace sgdns::dnssec {
namespace {

constexpr std::size_t kBucket = 4;  // slots probed per key: a short run of one or two cache lines
constexpr std::size_t kWords = (sizeof(Signature) + 7) / 8;

ContentKey siphash128(const std::uint8_t* data, std::size_t len, const std::uint8_t* key) noexcept {
  std::uint8_t out[crypto_shorthash_siphashx24_BYTES];
  crypto_shorthash_siphashx24(out, data, len, key);
  ContentKey k;
  std::memcpy(&k.a, out, 8);
  std::memcpy(&k.b, out + 8, 8);
  return k;
}

}  // namespace

struct alignas(64) SignatureCache::Slot {
  std::atomic<std::uint64_t> seq{0};  // odd while a writer fills the slot
  std::atomic<std::uint64_t> key_a{0}, key_b{0};
  std::atomic<std::uint64_t> refresh_at{0};  // 0: empty
  std::atomic<std::uint64_t> words[kWords];
};

SignatureCache::SignatureCache(std::size_t entries) {
  std::size_t n = std::bit_ceil(std::max<std::size_t>(entries, kBucket));
  slots_ = std::make_unique<Slot[]>(n);
  mask_ = n - 1;
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  randombytes_buf(hash_key_, sizeof hash_key_);
}

SignatureCache::~SignatureCache() = default;

std::size_t SignatureCache::bytes_per_entry() noexcept {
  return sizeof(Slot);
}

ContentKey SignatureCache::header(const std::uint8_t* owner, std::size_t owner_len, std::uint16_t type,
                                  std::uint32_t ttl, std::uint16_t key_tag,
                                  std::uint8_t algorithm) const noexcept {
  std::uint8_t buf[255 + 9];
  std::memcpy(buf, owner, owner_len);
  std::uint8_t* p = buf + owner_len;
  *p++ = static_cast<std::uint8_t>(type >> 8);
  *p++ = static_cast<std::uint8_t>(type);
  for (int shift = 24; shift >= 0; shift -= 8) *p++ = static_cast<std::uint8_t>(ttl >> shift);
  *p++ = static_cast<std::uint8_t>(key_tag >> 8);
  *p++ = static_cast<std::uint8_t>(key_tag);
  *p++ = algorithm;
  return siphash128(buf, static_cast<std::size_t>(p - buf), hash_key_);
}

void SignatureCache::add(ContentKey& key, const std::uint8_t* rdata, std::uint16_t size) const noexcept {
  ContentKey h = siphash128(rdata, size, hash_key_);
  key.a += h.a;  // a sum: the same set in any order has the same key
  key.b += h.b;
}

bool SignatureCache::find(const ContentKey& key, std::uint32_t now, Signature& out) const noexcept {
  const std::size_t base = key.a & mask_ & ~(kBucket - 1);
  for (std::size_t i = 0; i < kBucket; ++i) {
    const Slot& s = slots_[base + i];
    const std::uint64_t seq = s.seq.load(std::memory_order_acquire);
    if (seq & 1u) continue;
    if (s.key_a.load(std::memory_order_relaxed) != key.a || s.key_b.load(std::memory_order_relaxed) != key.b)
      continue;
    const std::uint64_t refresh = s.refresh_at.load(std::memory_order_relaxed);
    std::uint64_t words[kWords];
    for (std::size_t w = 0; w < kWords; ++w) words[w] = s.words[w].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.seq.load(std::memory_order_relaxed) != seq) return false;  // overwritten meanwhile: a miss
    if (now >= refresh) return false;
    std::memcpy(out.bytes, words, sizeof out.bytes);
    return true;
  }
  return false;
}

void SignatureCache::insert(const ContentKey& key, const Signature& sig, std::uint32_t refresh_at) noexcept {
  const std::size_t base = key.a & mask_ & ~(kBucket - 1);
  // The slot already holding this key, else an empty one, else the one with the soonest refresh time.
  Slot* victim = nullptr;
  std::uint64_t soonest = ~std::uint64_t{0};
  for (std::size_t i = 0; i < kBucket; ++i) {
    Slot& s = slots_[base + i];
    if (s.key_a.load(std::memory_order_relaxed) == key.a &&
        s.key_b.load(std::memory_order_relaxed) == key.b) {
      victim = &s;
      break;
    }
    const std::uint64_t r = s.refresh_at.load(std::memory_order_relaxed);
    if (r < soonest) {
      soonest = r;
      victim = &s;
    }
  }
  std::uint64_t seq = victim->seq.load(std::memory_order_relaxed);
  if ((seq & 1u) || !victim->seq.compare_exchange_strong(seq, seq + 1, std::memory_order_acquire)) return;
  std::atomic_thread_fence(std::memory_order_release);
  std::uint64_t words[kWords] = {};
  std::memcpy(words, sig.bytes, sizeof sig.bytes);
  victim->key_a.store(key.a, std::memory_order_relaxed);
  victim->key_b.store(key.b, std::memory_order_relaxed);
  victim->refresh_at.store(refresh_at, std::memory_order_relaxed);
  for (std::size_t w = 0; w < kWords; ++w) victim->words[w].store(words[w], std::memory_order_relaxed);
  victim->seq.store(seq + 2, std::memory_order_release);
}

}  // namespace sgdns::dnssec
