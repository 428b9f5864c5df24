// SPDX-License-Identifier: MIT
// Health checks: what to probe and how, and the pure state machine that turns results into up/down.
// The schedule arithmetic built on them (detection time, TTL caps) is in schedule.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sgdns::health {

enum class CheckType : std::uint8_t { Tcp, Http, Https };

/// How one kind of endpoint is probed (the configuration's `checks.NAME`).
struct CheckSpec {
  CheckType type = CheckType::Tcp;
  std::uint16_t port = 80;
  std::string path = "/";           // HTTP(S): request path
  std::vector<int> expect = {200};  // HTTP(S): acceptable status codes
  std::string body_contains;        // HTTP(S): required substring of the body, if any
  std::string host;                 // HTTP(S): Host header (and TLS SNI); default: the address
  bool verify_tls = true;           // HTTPS: verify the certificate chain and name
  long interval_ms = 1000;
  long timeout_ms = 700;
  int fall = 2;          // consecutive failures to go down
  int rise = 2;          // consecutive successes to come up
  bool start_up = true;  // the state before the first result
  /// After a failure, the next probe runs this soon instead of a full interval later, so `fall`
  /// failures take fall * timeout, not fall * interval.
  long recheck_ms = 150;
  /// Random 0..jitter added to each interval so thousands of probes spread out.
  long jitter_ms = 100;
};

/// One thing to probe: an address with a check, reporting under a health id.
struct Endpoint {
  std::uint32_t id = 0;  // the policy's health id of this (pool, member)
  std::string address;   // IPv4 or IPv6 literal
  std::string name;      // for logs and status, e.g. "edge-eu/192.0.2.201"
  CheckSpec check;
  /// What makes two endpoints the same probed thing, across reloads and across pools: the address and
  /// every setting that decides whether a probe succeeds (type, port, path, host, expected statuses,
  /// required body, TLS verification). Not the name (a renamed pool probes the same thing) and not the
  /// schedule (interval, timeout, rise, fall: a change keeps the state, the streak is clamped to it).
  /// The prober keeps a target's state machine by it; the control loop carries the health table over a
  /// reload and routes probe results by it (endpoint_set.h), so both give one answer.
  [[nodiscard]] std::string key() const;
};

enum class Failure : std::uint8_t { None, Refused, Timeout, Status, Body, Tls, Other };
[[nodiscard]] const char* failure_name(Failure f) noexcept;

struct ProbeResult {
  bool ok = false;
  Failure failure = Failure::None;
  double seconds = 0;   // probe duration
  int http_status = 0;  // 0 for TCP checks or when none was received
  std::string detail;   // human-readable, e.g. "status 503", "connect: Connection refused"
};

/// Rise/fall hysteresis (gdnsd's and HAProxy's rule): pure, so it is tested exhaustively.
class StateMachine {
 public:
  StateMachine(int fall, int rise, bool start_up) : fall_(fall), rise_(rise), up_(start_up) {}
  /// Feeds one probe result; returns true when the state changed.
  bool apply(bool ok) noexcept;
  [[nodiscard]] bool up() const noexcept { return up_; }
  [[nodiscard]] int streak() const noexcept { return streak_; }  // consecutive results against the state
  /// Results needed before the state could change: fall (or rise) minus the current streak.
  [[nodiscard]] int results_to_change() const noexcept { return (up_ ? fall_ : rise_) - streak_; }
  /// Restores a carried-over state (on reload, possibly with new fall/rise); the streak is clamped
  /// below the threshold so a restore alone never counts as a change.
  void restore(bool up, int streak) noexcept;

 private:
  int fall_, rise_;
  bool up_;
  int streak_ = 0;
};

}  // namespace sgdns::health
