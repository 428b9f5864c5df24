// SPDX-License-Identifier: MIT
// Bounded histories of health flips and reloads for the status page.
#include "status_history.h"

namespace sgdns::app {

void StatusHistory::add_flip(FlipEvent flip) {
  flips_.push_back(std::move(flip));
  while (flips_.size() > kMaxFlips) flips_.pop_front();
}

void StatusHistory::add_reload(ReloadEvent reload) {
  reloads_.push_front(std::move(reload));
  while (reloads_.size() > kMaxReloads) reloads_.pop_back();
}

std::vector<FlipEvent> StatusHistory::recent_flips(double now) const {
  std::vector<FlipEvent> out;
  for (const FlipEvent& f : flips_)
    if (f.at >= now - kFlipWindowSeconds) out.push_back(f);
  return out;
}

std::vector<ReloadEvent> StatusHistory::recent_reloads() const {
  return {reloads_.begin(), reloads_.end()};
}

}  // namespace sgdns::app
