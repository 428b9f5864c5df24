// SPDX-License-Identifier: MIT
// Printing durations the way the configuration writes them (the parser is config/duration.h).
#pragma once
#include <string>

namespace sgdns::util {

/// Milliseconds in the shortest exact form: "700ms", "2s", "2.65s", "15m", "1h", "2d".
[[nodiscard]] std::string duration_text(long ms);

}  // namespace sgdns::util
