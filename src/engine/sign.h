// SPDX-License-Identifier: MIT
// RRSIGs and compact-denial NSECs in replies of signed zones to DO queries (private to the engine).
#pragma once
#include "sgdns/dns/writer.h"
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

/// Writes `count` RRSIG records made of `sigs` (signer: the zone's origin). False when they do not fit.
[[nodiscard]] bool put_rrsigs(dns::Writer& w, const std::uint8_t* owner, std::uint32_t ttl,
                              const std::uint8_t* signer, const dnssec::Signature* sigs,
                              std::size_t count) noexcept;

/// Writes the RRSIGs of `item` (just written) in the current section: the load-time signatures of static
/// data, else from the signature cache, else signed now. False when they do not fit.
[[nodiscard]] bool put_signatures(dns::Writer& w, const PlanItem& item, const Plan& plan) noexcept;

/// Writes the plan's NSEC and its RRSIGs. False when they do not fit.
[[nodiscard]] bool put_nsec(dns::Writer& w, const Plan& plan) noexcept;

}  // namespace sgdns::engine
