// SPDX-License-Identifier: MIT
// The warning for a signed zone with secondaries whose geo names have no static records (world-private).
#pragma once
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/zone/master_reader.h"
#include "sgdns/zone/zone.h"

namespace sgdns::world {

/// Logs a warning when `source` is transferred to secondaries (it has `transfer` rules or `notify`
/// targets) and a dynamic name in `owners` has no record in `file`: secondaries do not have the name at
/// all, so their NSEC chain denies it, and resolvers that cache NSEC aggressively (RFC 8198) may deny it
/// from that cache even when they ask sgdns next.
void warn_geo_names_without_fallback(const config::ZoneSource& source, const zone::MasterFile& file,
                                     const std::vector<zone::DynamicOwner>& owners);

}  // namespace sgdns::world
