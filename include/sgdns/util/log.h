// SPDX-License-Identifier: MIT
// Logging to stderr, one event per line: "2026-11-27T18:00:00.123Z level message". Never on the hot path.
#pragma once
#include <string>
#include <string_view>

namespace sgdns::log {

enum class Level : int { Debug = 0, Info = 1, Warn = 2, Error = 3 };

void set_level(Level level) noexcept;
[[nodiscard]] Level level() noexcept;
/// Parses "debug", "info", "warn" or "error"; returns false otherwise.
[[nodiscard]] bool parse_level(std::string_view text, Level& out) noexcept;
void write(Level level, std::string_view message) noexcept;

inline void debug(std::string_view m) {
  if (level() <= Level::Debug) write(Level::Debug, m);
}
inline void info(std::string_view m) {
  if (level() <= Level::Info) write(Level::Info, m);
}
inline void warn(std::string_view m) {
  if (level() <= Level::Warn) write(Level::Warn, m);
}
inline void error(std::string_view m) {
  write(Level::Error, m);
}

}  // namespace sgdns::log
