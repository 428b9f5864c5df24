// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <thread>

#include "sgdns/metrics/counters.h"

using namespace sgdns;

TEST_CASE("per-index answer counters drain what was counted since the last drain", "[metrics]") {
  metrics::CounterSet set;
  metrics::WorkerCounters& a = set.add_worker();
  metrics::WorkerCounters& b = set.add_worker();
  a.count_answer(3, 1, -1);
  a.count_answer(3, 1, 2);
  b.count_answer(3, -1, 2);
  auto first = set.drain_answers();
  CHECK(first.records[3] == 3);
  CHECK(first.regions[1] == 2);
  CHECK(first.pools[2] == 2);
  auto empty = set.drain_answers();
  CHECK(empty.records[3] == 0);
  CHECK(empty.pools[2] == 0);
  b.count_answer(3, -1, -1);
  CHECK(set.drain_answers().records[3] == 1);
  a.count_answer(5000, -1, -1);  // past the indexed range: counted as "other"
  CHECK(set.drain_answers().records[metrics::kMaxIndexed] == 1);
}

TEST_CASE("counters written by their worker while drained and summed lose nothing", "[metrics]") {
  metrics::CounterSet set;
  metrics::WorkerCounters& w = set.add_worker();
  constexpr int kCount = 200'000;
  std::thread worker([&] {
    for (int i = 0; i < kCount; ++i) {
      w.count_query(0, 1, 0, false);
      w.count_answer(7, -1, -1);
    }
  });
  std::uint64_t drained = 0;
  for (int i = 0; i < 1000; ++i) drained += set.drain_answers().records[7];
  worker.join();
  drained += set.drain_answers().records[7];
  CHECK(drained == kCount);
  std::uint64_t queries = 0;
  for (std::uint64_t q : set.queries()) queries += q;
  CHECK(queries == kCount);
}
