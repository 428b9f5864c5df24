// SPDX-License-Identifier: MIT
// The signature cache: keyed by exact content (RR order aside), served until its refresh time, and
// consistent under concurrent writers and readers (ThreadSanitizer runs this too).
#include <catch2/catch.hpp>
#include <cstring>
#include <thread>
#include <vector>

#include "sgdns/dnssec/signature_cache.h"

using namespace sgdns;

namespace {

const std::uint8_t kOwner[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
const std::uint8_t kA1[] = {192, 0, 2, 1}, kA2[] = {192, 0, 2, 2};

dnssec::ContentKey key_of(const dnssec::SignatureCache& c, std::uint32_t ttl, bool reversed) {
  dnssec::ContentKey k = c.header(kOwner, sizeof kOwner, 1, ttl, 12345, 13);
  c.add(k, reversed ? kA2 : kA1, 4);
  c.add(k, reversed ? kA1 : kA2, 4);
  return k;
}

dnssec::Signature filled(std::uint8_t v) {
  dnssec::Signature s;
  std::memset(s.bytes, v, sizeof s.bytes);
  return s;
}

}  // namespace

TEST_CASE("the signature cache keys by content and serves until the refresh time", "[dnssec][cache]") {
  dnssec::SignatureCache cache(64);
  CHECK(dnssec::SignatureCache::bytes_per_entry() == 128);
  const dnssec::ContentKey k = key_of(cache, 20, false);
  CHECK(k == key_of(cache, 20, true));         // the same RRset, RRs in another order
  CHECK_FALSE(k == key_of(cache, 21, false));  // another TTL is another RRset to sign
  dnssec::Signature out;
  CHECK_FALSE(cache.find(k, 1000, out));
  cache.insert(k, filled(7), 2000);
  REQUIRE(cache.find(k, 1999, out));
  CHECK(out.bytes[0] == 7);
  CHECK(out.bytes[sizeof out.bytes - 1] == 7);
  CHECK_FALSE(cache.find(k, 2000, out));  // due for re-signing
  cache.insert(k, filled(9), 5000);       // re-signed in place
  REQUIRE(cache.find(k, 2000, out));
  CHECK(out.bytes[0] == 9);
}

TEST_CASE("the signature cache is bounded: a full bucket replaces its entry due soonest", "[dnssec][cache]") {
  dnssec::SignatureCache cache(4);  // one bucket
  std::vector<dnssec::ContentKey> keys;
  for (std::uint32_t ttl = 1; ttl <= 5; ++ttl) {
    keys.push_back(key_of(cache, ttl, false));
    cache.insert(keys.back(), filled(static_cast<std::uint8_t>(ttl)), 1000 + ttl);
  }
  dnssec::Signature out;
  CHECK_FALSE(cache.find(keys[0], 0, out));  // refresh 1001: the soonest, so replaced by the fifth
  for (std::size_t i = 1; i < 5; ++i) CHECK(cache.find(keys[i], 0, out));
}

TEST_CASE("readers never see a signature torn by a concurrent writer", "[dnssec][cache]") {
  dnssec::SignatureCache cache(4);  // every key in one bucket: maximum contention
  std::vector<dnssec::ContentKey> keys;
  for (std::uint32_t ttl = 1; ttl <= 8; ++ttl) keys.push_back(key_of(cache, ttl, false));
  std::atomic<bool> stop{false};
  std::atomic<long> hits{0}, torn{0};
  std::vector<std::thread> writers, readers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (std::uint32_t i = 0; !stop; ++i) {
        const std::size_t k = (i + static_cast<std::uint32_t>(w)) % keys.size();
        cache.insert(keys[k], filled(static_cast<std::uint8_t>(k)), 100 + i % 7);
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      dnssec::Signature out;
      for (int round = 0; round < 50'000; ++round) {
        for (std::size_t k = 0; k < keys.size(); ++k) {
          if (!cache.find(keys[k], 0, out)) continue;
          ++hits;
          for (std::uint8_t b : out.bytes) {
            if (b != k) {
              ++torn;
              break;
            }
          }
        }
      }
    });
  }
  for (auto& t : readers) t.join();
  stop = true;
  for (auto& t : writers) t.join();
  CHECK(torn == 0);
  CHECK(hits > 0);
}
