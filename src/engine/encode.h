// SPDX-License-Identifier: MIT
// Writes an answer plan into a message (private to the engine).
#pragma once
#include "sgdns/dns/writer.h"
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

/// Writes every RR of `item`'s RRset (zone data, or the plan's dynamic set), or nothing when the whole
/// set does not fit.
[[nodiscard]] bool put_rrset(dns::Writer& w, const PlanItem& item, const Plan* plan = nullptr) noexcept;

/// Answer, authority and additional sections from the plan. Returns false when a required RRset did not
/// fit (the caller sets TC); what fit stays written, whole RRsets only.
[[nodiscard]] bool encode_plan(const Plan& plan, dns::Writer& w) noexcept;

}  // namespace sgdns::engine
