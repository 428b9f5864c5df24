// SPDX-License-Identifier: MIT
// stderr logger: one line per event, written with a single write(2) so lines from threads never interleave.
#include "sgdns/util/log.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>

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
  // The UTC stamp by calendar arithmetic, not gmtime_r: glibc's gmtime_r takes its time-zone lock on every
  // call and reads the zone (allocating) on the first, and a query thread may be the first to log.
  using namespace std::chrono;
  const auto now = time_point_cast<milliseconds>(system_clock::now());
  const auto day = floor<days>(now);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{now - day};
  char stamp[96];
  int n = std::snprintf(stamp, sizeof stamp, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ %s ",
                        static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                        static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                        static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                        static_cast<int>(time.subseconds().count()), kNames[static_cast<int>(level)]);
  if (n < 0) return;
  char newline = '\n';
  iovec parts[3] = {{stamp, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof stamp - 1)},
                    {const_cast<char*>(message.data()), message.size()},
                    {&newline, 1}};
  ssize_t r = ::writev(STDERR_FILENO, parts, 3);
  (void)r;
}

}  // namespace sgdns::log
