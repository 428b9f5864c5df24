// SPDX-License-Identifier: MIT
// Dynamic (policy) answers: locate the client, walk the record's pools, pick live members (private).
#pragma once
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

struct DynamicChoice {
  enum class Kind : std::uint8_t { None, Addresses, Cname } kind = Kind::None;
  const policy::Pool* pool = nullptr;  // the pool answered from
};

/// Chooses the answer of `record` for `qtype` (A or AAAA) and fills `out` with member addresses or, for
/// a CDN pool, leaves the CNAME to the caller. Updates `scratch.plan.ecs_scope` for geo decisions.
/// Kind::None when no pool can answer this type (the zone's static data answers instead).
[[nodiscard]] DynamicChoice choose_dynamic(const World& world, const policy::Record& record,
                                           std::uint16_t qtype, const Client& client, Scratch& scratch,
                                           DynamicSet& out) noexcept;

/// The region a client is served from for a geo or nearest record, with the prefix length that
/// decided it (when the query's ECS was used). Shared with explain.
struct ClientRegion {
  std::int32_t region = 0;
  std::uint8_t scope = 0;
  bool from_ecs = false;
};
[[nodiscard]] ClientRegion locate_client(const policy::Policy& policy, policy::Kind kind,
                                         const Client& client, const dns::Query& query) noexcept;

/// True when ECS from this resolver is used (RFC 7871 section 7.1.2: servers may restrict whom they trust).
[[nodiscard]] bool ecs_trusted(const policy::Policy& policy, const sockaddr* resolver) noexcept;

}  // namespace sgdns::engine
