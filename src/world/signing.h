// SPDX-License-Identifier: MIT
// Loading a zone that has DNSSEC keys: publish the keys in it, then sign it (private to the world module).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/dnssec/signed_zone.h"
#include "sgdns/zone/zone.h"

namespace sgdns::world {

/// Signature cache entries when a zone is signed: 65,536 x 128 bytes = 8 MiB, room for every geo answer
/// of a few hundred dynamic names across their regions and TTLs many times over.
inline constexpr std::size_t kSignatureCacheEntries = 1u << 16;

/// Reads the zone file and the key files, adds DNSKEY (every key) and CDS/CDNSKEY (signing KSKs/CSKs) at
/// the apex, builds the zone and signs its static data at `now`, keeping the signatures of `previous`
/// (the zone's version being served, at a reload; may be null) for what did not change. Throws
/// ZoneError, KeyError.
[[nodiscard]] std::shared_ptr<const dnssec::SignedZone> load_signed_zone(
    const config::ZoneSource& source, const std::vector<zone::DynamicOwner>& owners,
    std::shared_ptr<dnssec::SignatureCache> cache, std::uint32_t now,
    const dnssec::SignedZone* previous = nullptr);

}  // namespace sgdns::world
