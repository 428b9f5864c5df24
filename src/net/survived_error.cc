// SPDX-License-Identifier: MIT
// Survived socket errors: counted and logged at a bounded rate (survived_error.h).
#include "survived_error.h"

#include <uv.h>

#include <chrono>
#include <cstring>
#include <string>

#include "sgdns/util/log.h"
#include "sgdns/util/log_gate.h"

namespace sgdns::net {
namespace {

constexpr const char* kWhat[metrics::kSocketErrors] = {"receive failed (retrying)",
                                                       "reply not sent (the kernel refused it)",
                                                       "accept failed (connection dropped)"};

}  // namespace

void survived_error(metrics::WorkerCounters* counters, metrics::SocketError op, std::string_view where,
                    int error) noexcept {
  const auto index = static_cast<std::size_t>(op);
  if (counters) metrics::WorkerCounters::bump(counters->socket_errors[index]);
  static log::LogGate gates[metrics::kSocketErrors] = {log::LogGate{1}, log::LogGate{1}, log::LogGate{1}};
  const auto second = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
  std::uint64_t skipped = 0;
  if (!gates[index].allow(second, skipped)) return;
  try {
    const char* reason = error < 0 ? uv_strerror(error) : std::strerror(error);
    std::string line = std::string(where) + ": " + kWhat[index] + ": " + reason;
    if (skipped > 0) line += "; " + std::to_string(skipped) + " more not logged";
    log::warn(line);
  } catch (...) {
    // Out of memory while logging an error: the count above still tells.
  }
}

}  // namespace sgdns::net
