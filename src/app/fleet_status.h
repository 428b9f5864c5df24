// SPDX-License-Identifier: MIT
// What the fleet compares (app-private): the digests an instance publishes in its heartbeat, the quorum rule
// of the shared health view, and the /v1/fleet report that flags stragglers. Pure functions, unit-tested.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sgdns/engine/world.h"

namespace sgdns::app::fleet {

/// SHA-256 of the configuration `world` was built from as the instance serves it: parsed, without the keys
/// that are per instance by nature (listen, threads, identity, admin, user, group, dnstap, log_level,
/// fleet, the cookie secret's path), file names replaced by what the files hold (zones by origin, serial
/// and content digest; GeoIP databases are geoip_digest's), written canonically (sorted keys). So two NS
/// serving the same zones, policy and checks agree though they listen on different addresses and keep
/// their files elsewhere. "" when there is no file or it no longer reads.
[[nodiscard]] std::string served_config_digest(const engine::World& world);
/// SHA-256 over the GeoIP databases' identities (type, build date, network count, layout) in load order.
[[nodiscard]] std::string geoip_digest(const engine::World& world);

/// A member is down fleet-wide when at least `quorum` of the instances that report on it say down; with
/// fewer reporting instances than `quorum`, all of them must (a fleet shrunk to one instance follows it).
[[nodiscard]] bool down_by_quorum(int down, int reporting, int quorum) noexcept;

struct Heartbeat {
  std::string instance, nsid, version, commit, config_digest, geoip_digest;
  std::map<std::string, std::uint32_t> serials;  // zone origin -> SOA serial
  std::vector<std::string> disagreements;        // members whose own probe differs from the fleet's view
  bool shared_health = false;
  double started = 0, time = 0;
};
[[nodiscard]] std::string heartbeat_json(const Heartbeat& h);

/// /v1/fleet: every instance with its heartbeat, plus "flags" naming what sets it apart: a configuration
/// or GeoIP digest that differs from the majority's, a zone serial below the newest one seen, health-view
/// disagreements, a heartbeat older than `stale_after` seconds.
[[nodiscard]] nlohmann::json fleet_report(const std::map<std::string, nlohmann::json>& instances,
                                          const std::string& self, bool connected, std::int64_t revision,
                                          double now, double stale_after);

/// `sgdns ctl fleet`: fleet_report() as a table, one instance a line, flags spelled out below it.
[[nodiscard]] std::string fleet_table(const nlohmann::json& report);

}  // namespace sgdns::app::fleet
