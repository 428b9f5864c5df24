// SPDX-License-Identifier: MIT
// Health checks: what to probe and how, and the pure state machine that turns results into up/down.
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

/// The longest a dead endpoint stays up in the prober's schedule: the next probe starts at most
/// interval + jitter after the last success, then `fall` probes fail, each within the timeout, with
/// `recheck` between them. The failover budget adds the TTL of the answers to this.
[[nodiscard]] constexpr long worst_detection_ms(const CheckSpec& c) noexcept {
  return c.interval_ms + c.jitter_ms + (c.fall - 1) * c.recheck_ms + c.fall * c.timeout_ms;
}

/// The health-aware TTL cap: whole seconds (rounded up) before a probed state can change, from `up` (a
/// failing streak: interval, the rechecks and `fall` timeouts) or from down (`rise` intervals). Answers
/// built from an endpoint carry no longer a TTL than this (down to the record's min_ttl); the failover
/// budget counts the TTL so capped.
[[nodiscard]] constexpr std::uint32_t seconds_to_change(const CheckSpec& c, bool up) noexcept {
  long ms = up ? c.interval_ms + (c.fall - 1) * c.recheck_ms + c.fall * c.timeout_ms : c.rise * c.interval_ms;
  return static_cast<std::uint32_t>((ms + 999) / 1000);
}

/// One thing to probe: an address with a check, reporting under a health id.
struct Endpoint {
  std::uint32_t id = 0;  // the policy's health id of this (pool, member)
  std::string address;   // IPv4 or IPv6 literal
  std::string name;      // for logs and status, e.g. "edge-eu/192.0.2.201"
  CheckSpec check;
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
