// SPDX-License-Identifier: MIT
// Seeds for the query threads' weighted-choice generators (private to net).
#pragma once
#include <cstdint>

namespace sgdns::net {

/// 64 bits from the kernel's random source (getrandom), never 0: xorshift seeded with 0 stays at 0 forever
/// and would answer every weighted draw with the first candidate.
[[nodiscard]] std::uint64_t random_seed();

}  // namespace sgdns::net
