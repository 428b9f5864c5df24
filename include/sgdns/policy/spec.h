// SPDX-License-Identifier: MIT
// PolicySpec: regions, pools and dynamic records as the operator wrote them (docs/configuration.md),
// before compilation. The config module fills it from JSON; policy::compile() turns it into tables.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <stdexcept>

#include "sgdns/dns/prefix.h"
#include "sgdns/geo/fields.h"
#include "sgdns/health/check.h"

namespace sgdns::policy {

struct RegionSpec {
  std::optional<std::pair<double, double>> location;  // latitude, longitude
  std::vector<std::string> continents;                // "EU"
  std::vector<std::string> countries;                 // "DE"
  std::vector<std::string> subdivisions;              // "US-CA"
  std::vector<std::uint32_t> asns;
  std::vector<dns::Prefix> cidrs;
  std::optional<std::vector<std::string>> fallback;  // default: the other regions by distance
};

struct MemberSpec {
  std::string address;
  std::uint32_t weight = 1;
};

struct PoolSpec {
  std::optional<std::string> region;
  std::vector<MemberSpec> members;
  std::optional<std::string> cname;          // a CDN pool: answered as CNAME to this name
  std::optional<std::string> check;          // health check probing every member
  std::optional<std::string> check_address;  // a CNAME pool's probe target
};

enum class Kind : std::uint8_t { Geo, Nearest, Weighted, Failover, Multivalue };

struct PoolRef {
  std::string pool;
  std::uint32_t weight = 1;  // used by the weighted policy
};

struct RecordSpec {
  bool a = true;
  bool aaaa = true;
  std::uint32_t ttl = 30;
  Kind kind = Kind::Geo;
  std::vector<PoolRef> pools;
  std::uint32_t max_answers = 1;
  bool fail_open = true;
  std::optional<std::uint32_t> min_ttl;  // default min(ttl, 5)
};

struct EcsSpec {
  bool trust_all = true;
  std::vector<dns::Prefix> trusted;  // when !trust_all: resolvers whose ECS is used
};

struct PolicySpec {
  std::vector<geo::DatabaseSpec> databases;  // MMDB files (location and ASN data), with any `fields`
  long geoip_check_interval_ms = 0;          // 0: GeoIP files are re-read at reload only
  std::map<std::string, RegionSpec> regions;
  std::optional<std::string> default_region;  // default: the first region by name
  std::map<std::string, PoolSpec> pools;
  std::map<std::string, RecordSpec> records;  // owner name (absolute) -> record
  EcsSpec ecs;
  std::map<std::string, health::CheckSpec> checks;
  long failover_budget_ms = 30'000;
  /// With fleet.shared_health: how long a probe result can take to reach the other instances (one fleet
  /// heartbeat). A member is down fleet-wide only once a quorum's reports arrive, so this is added to
  /// every checked record's failover arithmetic. 0 without shared health.
  long health_sharing_ms = 0;
  [[nodiscard]] bool empty() const { return records.empty() && pools.empty(); }
};

/// A mistake found while compiling; `path` is the JSON path of what is wrong, e.g.
/// `records."www.streamgate.example.".pools[2]`.
class PolicyError : public std::runtime_error {
 public:
  PolicyError(const std::string& path, const std::string& why) : std::runtime_error(path + ": " + why) {}

 protected:
  explicit PolicyError(const std::string& message) : std::runtime_error(message) {}
};

/// Every mistake compile() found: structural ones, then failover budgets (a caller that checks more, such
/// as zones, reports its own between the two). what() joins them all with "; " for a one-line log.
class PolicyErrors : public PolicyError {
 public:
  PolicyErrors(std::vector<std::string> structural, std::vector<std::string> budgets)
      : PolicyError(join(structural, budgets)),
        structural_(std::move(structural)),
        budgets_(std::move(budgets)) {}
  [[nodiscard]] const std::vector<std::string>& structural() const noexcept { return structural_; }
  [[nodiscard]] const std::vector<std::string>& budgets() const noexcept { return budgets_; }

 private:
  static std::string join(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::string out;
    for (const auto* list : {&a, &b})
      for (const auto& p : *list) out += (out.empty() ? "" : "; ") + p;
    return out;
  }
  std::vector<std::string> structural_;
  std::vector<std::string> budgets_;
};

}  // namespace sgdns::policy
