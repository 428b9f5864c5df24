// SPDX-License-Identifier: MIT
// The failover arithmetic of a dynamic record (private to policy; docs/configuration.md, failover_budget).
#pragma once
#include <string>

#include "sgdns/policy/policy.h"

namespace sgdns::policy {

struct FailoverCase {
  long worst_ms = 0;       // 0: the record has no checked pool, so nothing fails over
  std::string arithmetic;  // e.g. "check web: 1s interval + ... = 2.65s to detect + 5s TTL ... = 7.65s"
};

/// For each checked pool of `record`: how long a member that dies can stay in answers, i.e. the check's
/// worst detection (health::worst_detection_ms), plus one fleet heartbeat with shared health, plus the TTL
/// its answers carry while it is up (the record's TTL lowered by the health-aware cap, never below min_ttl:
/// what the engine serves). The worst over the pools, with its arithmetic spelled out.
[[nodiscard]] FailoverCase failover_case(const Policy& policy, const Record& record);

}  // namespace sgdns::policy
