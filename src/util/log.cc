// SPDX-License-Identifier: MIT
// stderr logger: one line per event, written with a single write(2) so lines from threads never interleave.
#include "sgdns/util/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace sgdns::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::Info)};
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
}  // namespace

void set_level(Level level) noexcept {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}
Level level() noexcept {
  return static_cast<Level>(g_level.load(std::memory_order_relaxed));
}

bool parse_level(std::string_view text, Level& out) noexcept {
  for (int i = 0; i < 4; ++i) {
    if (text == kNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view message) noexcept {
  try {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    std::string line = stamp;
    line += kNames[static_cast<int>(level)];
    line += ' ';
    line += message;
    line += '\n';
    ssize_t r = ::write(STDERR_FILENO, line.data(), line.size());
    (void)r;
  } catch (...) {
    // Logging must never take the server down.
  }
}

}  // namespace sgdns::log
