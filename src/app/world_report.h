// SPDX-License-Identifier: MIT
// What a World holds, as JSON: zones, GeoIP databases and dynamic records with their failover arithmetic.
// One description shared by `sgdns check` and GET /v1/status (private to app).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "sgdns/engine/world.h"

namespace sgdns::app {

/// "2026-11-27T18:54:52Z" for unix seconds.
[[nodiscard]] std::string utc_time(double unix_seconds);

/// Each zone: origin, serial, records, the files it was read from.
[[nodiscard]] nlohmann::json zones_json(const engine::World& world);
/// Each GeoIP database: path, type and build date from its metadata, networks read, what it is used for.
[[nodiscard]] nlohmann::json geoip_json(const engine::World& world);
/// Each dynamic record: policy, TTLs, and its worst-case failover with the arithmetic behind it.
[[nodiscard]] nlohmann::json records_json(const engine::World& world);

}  // namespace sgdns::app
