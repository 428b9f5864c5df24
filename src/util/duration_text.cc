// SPDX-License-Identifier: MIT
// Durations printed exactly and short, for messages and status.
#include "sgdns/util/duration_text.h"

#include <cstdio>

namespace sgdns::util {

std::string duration_text(long ms) {
  if (ms > 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms > 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms > 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld.%03ld", ms / 1000, ms % 1000);
  std::string out = buf;
  out.erase(out.find_last_not_of('0') + 1);
  return out + "s";
}

}  // namespace sgdns::util
