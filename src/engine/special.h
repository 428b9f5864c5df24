// SPDX-License-Identifier: MIT
// Answers that do not come from a zone: CHAOS identity queries (private to the engine).
#pragma once
#include "sgdns/dns/writer.h"
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

/// CH TXT version.bind / version.server / id.server / hostname.bind. Returns the rcode; sets `aa`.
[[nodiscard]] std::uint16_t answer_chaos(const Options& options, const dns::Query& q, dns::Writer& w,
                                         bool& aa) noexcept;

/// True when `address` may transfer zones (World options' allow list).
[[nodiscard]] bool transfer_allowed(const Options& options, const sockaddr* address) noexcept;

}  // namespace sgdns::engine
