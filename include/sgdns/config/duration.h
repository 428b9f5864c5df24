// SPDX-License-Identifier: MIT
// Durations: the one syntax shared by flags, the configuration file, `sgdns ctl` and the admin API.
//
// A whole number, optionally followed by a unit: "700ms", "90s", "15m", "1h", "2d"; a bare number ("90",
// or a JSON integer) is seconds. 0 is always a duration of zero: each setting says whether it accepts it
// (an override's expiry does not: leave it out for an override that stays until cleared).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "sgdns/util/duration_text.h"

namespace sgdns::config {

using util::duration_text;

/// The longest duration accepted anywhere, 366 days: longer ones are typing mistakes.
inline constexpr long kMaxDurationMs = 366L * 24 * 3600 * 1000;

/// Parses a duration into milliseconds. Throws std::invalid_argument saying what is accepted.
[[nodiscard]] long parse_duration_ms(std::string_view text);
/// The same for a JSON value: an integer (seconds) or a string. Throws std::invalid_argument.
[[nodiscard]] long duration_ms_from_json(const nlohmann::json& value);

}  // namespace sgdns::config
