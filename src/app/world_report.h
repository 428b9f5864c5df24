// SPDX-License-Identifier: MIT
// What a World holds, as JSON: zones, GeoIP databases and dynamic records with their failover arithmetic.
// One description shared by `sgdns check` and GET /v1/status (private to app).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "sgdns/engine/world.h"

namespace sgdns::app {

/// "2026-11-27T18:54:52Z" for unix seconds.
[[nodiscard]] std::string utc_time(double unix_seconds);

/// Each zone: origin, serial, records, the files it was read from.
[[nodiscard]] nlohmann::json zones_json(const engine::World& world);
/// Each GeoIP database: path, type and build date from its metadata, the layout recognised, networks and
/// records read, the paths that gave each field, the share of each family each rule places by this
/// database alone ("coverage"), and what it is used for.
[[nodiscard]] nlohmann::json geoip_json(const engine::World& world);
/// {"ipv4": {"cidr": share, ...}, "ipv6": {...}}: shares 0..1 by rule (policy/rule.h).
[[nodiscard]] nlohmann::json coverage_json(const policy::Coverage& coverage);
/// Each pool and its members with three states: "probe" (what the health checks say: up, down, or
/// unchecked for a pool without a check, always up), "override" (the operator's, keyed "pool/member" in
/// `overrides`, or null) and "effective" (what the answers use: the override if any, else the probe).
[[nodiscard]] nlohmann::json pools_json(const engine::World& world,
                                        const std::map<std::string, nlohmann::json>& overrides);
/// Each dynamic record: policy, TTLs, and its worst-case failover with the arithmetic behind it.
[[nodiscard]] nlohmann::json records_json(const engine::World& world);

}  // namespace sgdns::app
