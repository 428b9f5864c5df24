// SPDX-License-Identifier: MIT
// Answers that do not come from a zone: CHAOS identity queries (private to the engine).
#pragma once
#include "sgdns/dns/writer.h"
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

/// CH TXT version.bind / version.server / id.server / hostname.bind. Returns the rcode; sets `aa`.
[[nodiscard]] std::uint16_t answer_chaos(const Options& options, const dns::Query& q, dns::Writer& w,
                                         bool& aa) noexcept;

/// RFC 1996 section 3: a NOTIFY for a secondary zone, from its primary's address (and signed with the
/// primary's key when it has one), is answered NOERROR and returns true; anything else REFUSED.
[[nodiscard]] bool accept_notify(const World& world, const Client& client, const dns::Query& q,
                                 std::uint16_t& rcode) noexcept;

/// An IXFR over UDP (RFC 1995 section 2) is answered with the zone's current SOA alone when the client
/// may transfer the zone (it then asks over TCP if it is behind). Returns the rcode; writes the SOA.
[[nodiscard]] std::uint16_t answer_udp_ixfr(const World& world, const Client& client, const dns::Query& q,
                                            dns::Writer& w);

/// True when `zone` is a secondary zone past its SOA expire (World::expired).
[[nodiscard]] bool zone_expired(const World& world, const zone::Zone* zone) noexcept;

}  // namespace sgdns::engine
