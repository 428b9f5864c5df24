// SPDX-License-Identifier: MIT
// Duration parsing and printing (include/sgdns/config/duration.h).
#include "sgdns/config/duration.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace sgdns::config {
namespace {

[[noreturn]] void refuse(std::string_view text) {
  throw std::invalid_argument("\"" + std::string(text) +
                              "\" is not a duration (expected a whole number of seconds, or one with a unit: "
                              "700ms, 90s, 15m, 1h, 2d)");
}

}  // namespace

long parse_duration_ms(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    long ms;
  };
  // "ms" before "m" and "s": the longest suffix that matches wins.
  static constexpr Unit kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  long unit = 1000;  // a bare number is seconds
  std::string_view digits = text;
  for (const Unit& u : kUnits) {
    if (text.size() > u.suffix.size() && text.substr(text.size() - u.suffix.size()) == u.suffix) {
      unit = u.ms;
      digits = text.substr(0, text.size() - u.suffix.size());
      break;
    }
  }
  long value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < 0) refuse(text);
  if (value > kMaxDurationMs / unit)
    throw std::invalid_argument("\"" + std::string(text) + "\" is longer than 366 days");
  return value * unit;
}

long duration_ms_from_json(const nlohmann::json& value) {
  if (value.is_number_integer()) return parse_duration_ms(std::to_string(value.get<long long>()));
  if (value.is_string()) return parse_duration_ms(value.get<std::string>());
  refuse(value.dump());
}

}  // namespace sgdns::config
