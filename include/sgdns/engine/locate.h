// SPDX-License-Identifier: MIT
// Where a client is served from: the region a geo or nearest record answers for, and why (ECS or the
// resolver's address), and by which rule (the prefix maps carry it, policy.h).
#pragma once
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

struct ClientRegion {
  /// The prefix map's value as it is (policy::placement()): the region and the rule that placed the
  /// client there, unpacked only where they are read.
  std::uint32_t placement = 0;
  std::uint8_t scope = 0;  // prefix length that decided it (the ECS scope when from_ecs)
  bool from_ecs = false;
  [[nodiscard]] std::int32_t region() const noexcept { return policy::placed_region(placement); }
  [[nodiscard]] policy::LocateRule rule() const noexcept { return policy::placed_rule(placement); }
};

/// Uses the query's ECS when the resolver is trusted (RFC 7871 7.1.2: a source prefix of 0 means no
/// address information at all, so the default region), else the resolver's own address.
[[nodiscard]] ClientRegion locate_client(const policy::Policy& policy, policy::Kind kind,
                                         const Client& client, const dns::Query& query) noexcept;

/// True when ECS from this resolver is used (the configuration may trust only listed resolvers).
[[nodiscard]] bool ecs_trusted(const policy::Policy& policy, const sockaddr* resolver) noexcept;

}  // namespace sgdns::engine
