// SPDX-License-Identifier: MIT
// The rise/fall state machine and failure names: pure code, shared by the prober and its tests.
#include "sgdns/health/check.h"

#include <algorithm>

namespace sgdns::health {

const char* failure_name(Failure f) noexcept {
  switch (f) {
    case Failure::None:
      return "none";
    case Failure::Refused:
      return "refused";
    case Failure::Timeout:
      return "timeout";
    case Failure::Status:
      return "status";
    case Failure::Body:
      return "body";
    case Failure::Tls:
      return "tls";
    case Failure::Other:
      return "other";
  }
  return "other";
}

bool StateMachine::apply(bool ok) noexcept {
  if (ok == up_) {  // agreement: any streak against the state was noise
    streak_ = 0;
    return false;
  }
  ++streak_;
  // A threshold below 1 would mean "never change"; treat it as 1 so a bad config cannot wedge it.
  if (streak_ < std::max(1, up_ ? fall_ : rise_)) return false;
  up_ = ok;
  streak_ = 0;
  return true;
}

void StateMachine::restore(bool up, int streak) noexcept {
  up_ = up;
  int limit = std::max(1, up ? fall_ : rise_) - 1;
  streak_ = std::clamp(streak, 0, limit);
}

}  // namespace sgdns::health
