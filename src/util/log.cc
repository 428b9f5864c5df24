// SPDX-License-Identifier: MIT
// stderr logger: one line per event, written with a single write(2) so lines from threads never interleave.
#include "sgdns/util/log.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

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
  // No allocation: the query threads log rate-limiting events, and their path must not allocate. One
  // writev(2) keeps the line whole (a write to a pipe or file is not interleaved with another).
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[96];
  int n = std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms),
                        kNames[static_cast<int>(level)]);
  if (n < 0) return;
  char newline = '\n';
  iovec parts[3] = {{stamp, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof stamp - 1)},
                    {const_cast<char*>(message.data()), message.size()},
                    {&newline, 1}};
  ssize_t r = ::writev(STDERR_FILENO, parts, 3);
  (void)r;
}

}  // namespace sgdns::log
