// SPDX-License-Identifier: MIT
// What the status page shows that no other part keeps: recent health flips and recent reloads, bounded in
// memory (private to app).
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace sgdns::app {

struct FlipEvent {
  double at = 0;         // unix seconds
  std::string endpoint;  // "pool/member"
  bool up = false;       // the state it flipped to
};

struct ReloadEvent {
  double at = 0;
  std::string trigger;  // "SIGHUP", "POST /v1/reload"
  bool ok = false;
  std::uint64_t generation = 0;  // serving afterwards
  std::string message;
};

/// Control thread only (control_loop.h): probe results and reloads are applied there, and the status page
/// is drawn there.
class StatusHistory {
 public:
  /// "Flips in the last hour" is the question an on-call engineer asks of a flapping edge.
  static constexpr double kFlipWindowSeconds = 3600;
  /// Enough for a badly flapping fleet's hour at a glance; older ones are in the log and in
  /// sgdns_health_flips_total.
  static constexpr std::size_t kMaxFlips = 2000;
  /// A screenful.
  static constexpr std::size_t kMaxReloads = 10;

  void add_flip(FlipEvent flip);
  void add_reload(ReloadEvent reload);
  /// Flips at or after `now - kFlipWindowSeconds`, oldest first.
  [[nodiscard]] std::vector<FlipEvent> recent_flips(double now) const;
  /// The last kMaxReloads reloads, newest first.
  [[nodiscard]] std::vector<ReloadEvent> recent_reloads() const;

 private:
  std::deque<FlipEvent> flips_;
  std::deque<ReloadEvent> reloads_;
};

}  // namespace sgdns::app
