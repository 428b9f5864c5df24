// SPDX-License-Identifier: MIT
// Failover arithmetic: detection by the slowest check, sharing with the fleet, plus the TTL answers carry.
#include "failover_budget.h"

#include "sgdns/util/duration_text.h"

namespace sgdns::policy {
namespace {

using util::duration_text;

std::string times(int n, long ms, const char* what) {
  return std::to_string(n) + " x " + duration_text(ms) + " " + what;
}

FailoverCase for_check(const std::string& name, const health::CheckSpec& c, const Record& rec,
                       long sharing_ms) {
  const long detect = health::worst_detection_ms(c);
  const std::uint32_t cap = health::seconds_to_change(c, true);
  const std::uint32_t ttl = health::answer_ttl(rec.ttl, rec.min_ttl, cap);
  std::string served = std::to_string(ttl) + "s TTL";
  if (ttl < rec.ttl)
    served += " (ttl " + std::to_string(rec.ttl) + "s capped by health to " + std::to_string(cap) + "s" +
              (ttl > cap ? ", raised to min_ttl " + std::to_string(rec.min_ttl) + "s)" : ")");
  FailoverCase out;
  out.worst_ms = detect + sharing_ms + static_cast<long>(ttl) * 1000;
  out.arithmetic =
      "check " + name + ": " + duration_text(c.interval_ms) + " interval + " + duration_text(c.jitter_ms) +
      " jitter + " + times(c.fall - 1, c.recheck_ms, "recheck") + " + " +
      times(c.fall, c.timeout_ms, "timeout") + " = " + duration_text(detect) + " to detect, + " +
      (sharing_ms > 0 ? duration_text(sharing_ms) + " to share with the fleet (heartbeat), + " : "") +
      served + " = " + duration_text(out.worst_ms);
  return out;
}

}  // namespace

FailoverCase failover_case(const Policy& policy, const Record& rec) {
  FailoverCase worst;
  for (std::int32_t p : rec.pools) {
    std::int32_t c = policy.pools[static_cast<std::size_t>(p)].check;
    if (c < 0) continue;  // an unchecked pool is always up: nothing of it fails over
    auto i = static_cast<std::size_t>(c);
    FailoverCase one = for_check(policy.check_names[i], policy.checks[i], rec, policy.health_sharing_ms);
    if (one.worst_ms > worst.worst_ms) worst = std::move(one);
  }
  return worst;
}

}  // namespace sgdns::policy
