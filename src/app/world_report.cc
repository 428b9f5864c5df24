// SPDX-License-Identifier: MIT
// JSON descriptions of a World for `sgdns check` and /v1/status.
#include "world_report.h"

#include <algorithm>
#include <ctime>

#include "sgdns/dns/name.h"
#include "sgdns/util/duration_text.h"

namespace sgdns::app {

using nlohmann::json;

std::string utc_time(double unix_seconds) {
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json zones_json(const engine::World& world) {
  json out = json::array();
  for (const auto& z : world.zones.zones()) {
    json files = json::array();
    for (const auto& f : z->sources())
      files.push_back({{"path", f.path}, {"size", f.size}, {"mtime_ns", f.mtime_ns}});
    out.push_back({{"origin", z->origin_text()},
                   {"serial", z->serial()},
                   {"records", z->record_count()},
                   {"files", files}});
  }
  return out;
}

json geoip_json(const engine::World& world) {
  json out = json::array();
  if (!world.policy) return out;
  const policy::Policy& p = *world.policy;
  auto listed = [](const std::vector<geo::DatabaseSpec>& list, const std::string& path) {
    return std::any_of(list.begin(), list.end(),
                       [&](const geo::DatabaseSpec& db) { return db.path == path; });
  };
  for (std::size_t i = 0; i < p.databases.size(); ++i) {
    const geo::DatabaseInfo& db = p.databases[i];
    json uses = json::array();
    if (listed(p.location_databases, db.path)) uses.push_back("location");
    if (listed(p.asn_databases, db.path)) uses.push_back("asn");
    json fields = json::object();
    for (std::size_t f = 0; f < geo::kFieldCount; ++f) {
      json paths = json::array();
      for (const geo::FieldUse& use : db.found[f])
        paths.push_back({{"path", use.path}, {"records", use.records}});
      fields[geo::field_name(static_cast<geo::Field>(f))] = paths;
    }
    out.push_back(
        {{"path", db.path},
         {"type", db.database_type},
         {"layout", db.layout},
         {"build_date", utc_time(static_cast<double>(db.build_epoch))},
         {"networks", db.networks},
         {"records", db.records},
         {"fields", fields},
         {"continents_from_countries", db.continents_from_countries},
         {"coverage", i < p.database_coverage.size() ? coverage_json(p.database_coverage[i]) : json()},
         {"used_for", uses}});
  }
  return out;
}

json coverage_json(const policy::Coverage& coverage) {
  json v4 = json::object(), v6 = json::object();
  for (std::size_t r = 0; r < policy::kLocateRules; ++r) {
    const char* rule = policy::rule_name(static_cast<policy::LocateRule>(r));
    v4[rule] = coverage.v4[r];
    v6[rule] = coverage.v6[r];
  }
  return {{"ipv4", v4}, {"ipv6", v6}};
}

json pools_json(const engine::World& world, const std::map<std::string, json>& overrides) {
  json out = json::array();
  if (!world.policy || !world.health) return out;
  const health::HealthTable& health = *world.health;
  for (const policy::Pool& pool : world.policy->pools) {
    auto member = [&](const std::string& name, const std::string& address, std::uint32_t id) {
      auto o = overrides.find(pool.name + "/" + name);
      return json{{"member", name},
                  {"address", address},
                  {"probe", pool.check < 0         ? "unchecked"
                            : health.probed_up(id) ? "up"
                                                   : "down"},
                  {"override", o == overrides.end() ? json(nullptr) : o->second},
                  {"effective", health.up(id) ? "up" : "down"}};
    };
    json members = json::array();
    if (pool.is_cname())
      members.push_back(member("cname", dns::name_to_text(pool.cname.data()), pool.cname_health_id));
    for (const policy::Member& m : pool.members) members.push_back(member(m.address, m.address, m.health_id));
    out.push_back(
        {{"name", pool.name},
         {"region", pool.region < 0
                        ? json(nullptr)
                        : json(world.policy->regions[static_cast<std::size_t>(pool.region)].name)},
         {"check", pool.check < 0 ? json(nullptr)
                                  : json(world.policy->check_names[static_cast<std::size_t>(pool.check)])},
         {"members", members}});
  }
  return out;
}

json records_json(const engine::World& world) {
  json out = json::array();
  if (!world.policy) return out;
  static constexpr const char* kKinds[] = {"geo", "nearest", "weighted", "failover", "multivalue"};
  const long budget = world.policy->failover_budget_ms;
  for (const auto& r : world.policy->records) {
    json failover = nullptr;
    if (r.worst_failover_ms > 0)
      failover = {{"worst_case_seconds", static_cast<double>(r.worst_failover_ms) / 1000},
                  {"budget_seconds", static_cast<double>(budget) / 1000},
                  {"budget", util::duration_text(budget)},
                  {"within_budget", r.worst_failover_ms <= budget},
                  {"arithmetic", r.failover_arithmetic}};
    out.push_back(
        {{"name", r.name},
         {"policy", kKinds[static_cast<int>(r.kind)]},
         {"ttl", r.ttl},
         {"min_ttl", r.min_ttl},
         {"worst_case_failover_seconds",
          r.worst_failover_ms ? json(static_cast<double>(r.worst_failover_ms) / 1000) : json(nullptr)},
         {"failover", failover}});
  }
  return out;
}

}  // namespace sgdns::app
