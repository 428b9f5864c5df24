// SPDX-License-Identifier: MIT
// Dynamic (policy) answers: locate the client, walk the record's pools, pick live members (private).
#pragma once
#include "sgdns/engine/engine.h"
#include "sgdns/engine/locate.h"

namespace sgdns::engine {

struct DynamicChoice {
  enum class Kind : std::uint8_t { None, Addresses, Cname } kind = Kind::None;
  bool failed_open = false;            // every pool it could use was down: answered as if all were up
  const policy::Pool* pool = nullptr;  // the pool answered from (16 bytes in all: returned in registers)
};

/// Chooses the answer of `record` for `qtype` (A or AAAA) and fills `out` with member addresses or, for
/// a CDN pool, leaves the CNAME to the caller. Updates `scratch.plan.ecs_scope` for geo decisions.
/// Kind::None when no pool can answer this type (the zone's static data answers instead). With
/// `scratch.trace` set, the decision is recorded there as well (trace.h).
[[nodiscard]] DynamicChoice choose_dynamic(const World& world, const policy::Record& record,
                                           std::uint16_t qtype, const Client& client, Scratch& scratch,
                                           DynamicSet& out) noexcept;

}  // namespace sgdns::engine
