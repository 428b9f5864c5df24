// SPDX-License-Identifier: MIT
// Policy: the compiled form of regions, pools and dynamic records, read by the engine per query.
//
// Everything a dynamic answer needs is resolved at load: the GeoIP databases are folded through the
// region mappings into two prefix maps (explicit mappings first, then nearest by distance), each
// record has its candidate pools pre-ordered for every region, and members carry their RDATA
// pre-encoded and a health id. A query reads a map, an order and a few health words.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sgdns/geo/mmdb.h"
#include "sgdns/geo/net_map.h"
#include "sgdns/health/schedule.h"
#include "sgdns/policy/rule.h"
#include "sgdns/policy/spec.h"

namespace sgdns::policy {

struct Member {
  std::string address;  // as configured
  std::uint8_t rdata[16] = {};
  std::uint8_t rdlen = 0;  // 4 = A, 16 = AAAA
  std::uint32_t weight = 1;
  std::uint32_t health_id = 0;
};

struct Pool {
  std::string name;
  std::int32_t check = -1;   // index into Policy::checks; -1: not probed (always up)
  std::int32_t region = -1;  // -1: belongs to no region (a CDN)
  std::vector<Member> members;
  std::vector<std::uint8_t> cname;  // wire form; non-empty for a CNAME (CDN) pool
  std::uint32_t cname_health_id = 0;
  [[nodiscard]] bool is_cname() const noexcept { return !cname.empty(); }
  [[nodiscard]] bool has_family(std::uint8_t rdlen) const noexcept;
};

struct Region {
  std::string name;
  bool has_location = false;
  double latitude = 0;
  double longitude = 0;
  std::vector<std::int32_t> fallback;  // regions to try next, in order
};

struct Record {
  std::string name;                 // presentation form, for explain and metrics
  std::vector<std::uint8_t> owner;  // lowercase wire
  bool a = true;
  bool aaaa = true;
  std::uint32_t ttl = 30;
  Kind kind = Kind::Geo;
  std::vector<std::int32_t> pools;          // as listed
  std::vector<std::uint32_t> pool_weights;  // parallel to pools (weighted policy)
  std::uint32_t max_answers = 1;
  bool fail_open = true;
  std::uint32_t min_ttl = 5;  // health may lower the TTL down to this (health::answer_ttl)
  /// Worst case from an edge dying to the last cache dropping it (0: no checked pool): the slowest
  /// detection of its checks plus the TTL its answers carry while the member is up.
  long worst_failover_ms = 0;
  std::string failover_arithmetic;  // how worst_failover_ms was reached, for check, status and errors
  /// For geo and nearest: order[region] lists the pools to try for a client in that region (its own
  /// pools, then its fallbacks', then pools of no region). Other kinds use `pools` for every client.
  std::vector<std::vector<std::int32_t>> order;
  [[nodiscard]] bool covers(std::uint16_t qtype) const noexcept;
};

struct Policy {
  std::vector<Region> regions;
  std::int32_t default_region = 0;
  std::vector<Pool> pools;
  std::vector<Record> records;
  std::uint32_t health_ids = 0;
  /// address -> placement(): region and rule, by explicit mappings, then distance, then default.
  geo::NetMap geo_map;
  geo::NetMap nearest_map;  // address -> placement() by distance only, then default
  EcsSpec ecs;
  std::vector<std::string> check_names;
  std::vector<health::CheckSpec> checks;
  /// Every probed member (a checked CNAME pool's check_address), under its health id and named
  /// "pool/address" ("pool/cname") for logs, status and metrics.
  std::vector<health::Endpoint> endpoints;
  long failover_budget_ms = 30'000;
  long health_sharing_ms = 0;                         // PolicySpec::health_sharing_ms
  std::vector<geo::DatabaseInfo> databases;           // each database read, with its layout and fields
  std::vector<Coverage> database_coverage;            // parallel to databases: what each alone places
  Coverage coverage;                                  // what geo_map places (every database and CIDR)
  double geoip_compile_seconds = 0;                   // reading the databases and building both maps
  std::vector<geo::DatabaseSpec> location_databases;  // for explain lookups
  std::vector<geo::DatabaseSpec> asn_databases;
  /// Region mappings nothing in the data matches: logged at load and printed by check and geoip-report.
  std::vector<std::string> warnings;

  /// The record whose owner is `lname` (lowercase wire), or nullptr.
  [[nodiscard]] const Record* find(const std::uint8_t* lname, std::size_t len) const noexcept;
  [[nodiscard]] std::int32_t region_index(std::string_view name) const noexcept;
  [[nodiscard]] std::int32_t pool_index(std::string_view name) const noexcept;
  /// The health id of `member` ("cname" for a CNAME pool) in `pool`, or -1.
  [[nodiscard]] std::int64_t health_id(std::string_view pool, std::string_view member) const noexcept;

  std::unordered_map<std::string_view, std::int32_t> record_index;  // keys point into records[i].owner
};

/// Compiles a spec: opens and walks every database, checks every reference. Throws PolicyErrors listing
/// every mistake, each with its JSON path (an unreadable database as "geoip: PATH: why").
[[nodiscard]] std::shared_ptr<const Policy> compile(const PolicySpec& spec);

}  // namespace sgdns::policy
