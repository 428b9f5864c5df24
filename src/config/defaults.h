// SPDX-License-Identifier: MIT
// Defaults shared by the flag and file readers (private to the config module).
#pragma once
#include "sgdns/config/config.h"

namespace sgdns::config {

/// Highest RRL rate accepted: one response per microsecond, the table's time unit.
inline constexpr long kMaxRrlRate = 1'000'000;

/// Fills what neither flags nor file set: listen on 127.0.0.1:5353, AXFR from loopback only.
void apply_defaults(Config& c);

}  // namespace sgdns::config
