// SPDX-License-Identifier: MIT
// EndpointSet: the probed endpoints of one policy, indexed by Endpoint::key(), and the reload carry-over
// of health state from one table to the next by that same key.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sgdns/health/check.h"
#include "sgdns/health/table.h"

namespace sgdns::health {

class EndpointSet {
 public:
  EndpointSet() = default;
  explicit EndpointSet(std::vector<Endpoint> endpoints);

  [[nodiscard]] const std::vector<Endpoint>& all() const noexcept { return endpoints_; }
  /// The endpoints with this key (several when pools share a member and check), in policy order; empty
  /// when none: a result for it has nowhere to go (a reload removed it).
  [[nodiscard]] std::vector<const Endpoint*> with_key(const std::string& key) const;

 private:
  std::vector<Endpoint> endpoints_;
  std::unordered_multimap<std::string, std::size_t> by_key_;
};

/// Fills `table` (new, for the endpoints `after`) with a probed state for every endpoint: the state its
/// key had in `old_table` (over `before`) when there was one, so a reload flips nothing and hides no
/// failure, else its check's start-up state; the TTL cap follows from the state and the new check.
/// `old_table` may be null (the first load).
void carry_over(const EndpointSet& before, const HealthTable* old_table, const EndpointSet& after,
                HealthTable& table);

}  // namespace sgdns::health
