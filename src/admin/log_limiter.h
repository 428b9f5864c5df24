// SPDX-License-Identifier: MIT
// LogLimiter: at most N lines of one kind per minute, so a client hammering the admin port with bad tokens
// cannot flood the log (private to admin).
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace sgdns::admin {

class LogLimiter {
 public:
  explicit LogLimiter(int per_minute) : per_minute_(per_minute) {}

  /// Whether a line may be written now. When it may and lines were held back since the last one that was
  /// written, `suppressed` says how many (to append to the line).
  bool allow(std::uint64_t& suppressed) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (!window_start_ || now - *window_start_ >= std::chrono::minutes(1)) {
      window_start_ = now;
      written_ = 0;
    }
    if (written_ >= per_minute_) {
      ++suppressed_;
      return false;
    }
    ++written_;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  std::mutex mu_;
  const int per_minute_;
  int written_ = 0;
  std::uint64_t suppressed_ = 0;
  std::optional<std::chrono::steady_clock::time_point> window_start_;
};

}  // namespace sgdns::admin
