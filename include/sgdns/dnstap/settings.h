// SPDX-License-Identifier: MIT
// The `dnstap` configuration section (docs/configuration.md): where query analytics go, and how many.
#pragma once
#include <cstdint>
#include <string>

namespace sgdns::dnstap {

struct Settings {
  /// The Frame Streams unix socket a collector listens on (fstrm_capture, dnstap-read, a vector/
  /// go-dnscollector agent); empty = dnstap off, the default.
  std::string socket;
  /// Log one query in `sample` (1 = every query). Decided per query, so a sampled query always has its
  /// AUTH_QUERY and its AUTH_RESPONSE.
  std::uint32_t sample = 1;
  bool log_queries = true;    // AUTH_QUERY messages
  bool log_responses = true;  // AUTH_RESPONSE messages
  /// The Dnstap `identity` field; empty = the host name, read at start.
  std::string identity;

  [[nodiscard]] bool enabled() const noexcept { return !socket.empty() && (log_queries || log_responses); }
};

/// Largest sample rate accepted: one query in a million still shows a busy server's mix every few seconds.
inline constexpr std::uint32_t kMaxSample = 1'000'000;

}  // namespace sgdns::dnstap
