// SPDX-License-Identifier: MIT
// The query threads' generator seeds: never 0 (xorshift would stay at 0), and different every time.
#include <catch2/catch.hpp>
#include <set>

#include "../../../src/net/random_seed.h"

using namespace sgdns;

TEST_CASE("random seeds are never zero and do not repeat", "[net][weights]") {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t seed = net::random_seed();
    CHECK(seed != 0);
    seen.insert(seed);
  }
  // 1000 draws of 64 bits: a repeat has probability ~3e-14.
  CHECK(seen.size() == 1000);
}
