// SPDX-License-Identifier: MIT
// LogGate: at most N lines a second, the rest counted and reported with the next line written.
#include <catch2/catch.hpp>

#include "sgdns/util/log_gate.h"

using sgdns::log::LogGate;

TEST_CASE("LogGate lets N lines a second through and counts the rest", "[util][log_gate]") {
  LogGate gate(2);
  std::uint64_t skipped = 99;
  CHECK(gate.allow(100, skipped));
  CHECK(skipped == 0);
  CHECK(gate.allow(100, skipped));
  CHECK_FALSE(gate.allow(100, skipped));
  CHECK_FALSE(gate.allow(100, skipped));
  // The next second opens the gate again, and the first line through says what was held back.
  CHECK(gate.allow(101, skipped));
  CHECK(skipped == 2);
  CHECK(gate.allow(101, skipped));
  CHECK(skipped == 0);
}
