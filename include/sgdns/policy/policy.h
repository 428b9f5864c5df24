// SPDX-License-Identifier: MIT
// Policy: the compiled form of regions, pools and dynamic records, read by the engine per query.
//
// Everything a dynamic answer needs is resolved at load: the GeoIP databases are folded through the
// region mappings into two prefix maps (explicit mappings first, then nearest by distance), each
// record has its candidate pools pre-ordered for every region, and members carry their RDATA
// pre-encoded and a health id. A query reads a map, an order and a few health words.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sgdns/geo/mmdb.h"
#include "sgdns/geo/net_map.h"
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
  std::uint32_t min_ttl = 5;  // health may lower the TTL down to this
  /// Worst case from an edge dying to the last cache dropping it (0: no checked pool): the slowest
  /// detection of its checks plus the TTL its answers carry while the member is up.
  long worst_failover_ms = 0;
  std::string failover_arithmetic;  // how worst_failover_ms was reached, for check, status and errors
  /// For geo and nearest: order[region] lists the pools to try for a client in that region (its own
  /// pools, then its fallbacks', then pools of no region). Other kinds use `pools` for every client.
  std::vector<std::vector<std::int32_t>> order;
  [[nodiscard]] bool covers(std::uint16_t qtype) const noexcept;
  /// The TTL of an answer whose consulted members could change state within `cap` seconds at the
  /// soonest (the health-aware cap): the record's TTL lowered to the cap, never below min_ttl.
  [[nodiscard]] std::uint32_t answer_ttl(std::uint32_t cap) const noexcept {
    return cap < ttl ? (cap > min_ttl ? cap : min_ttl) : ttl;
  }
};

/// Member health, readable by every query thread without locks. Per health id (a (pool, member) pair,
/// assigned at compile time): the probed state, an operator override that beats it, and how many
/// seconds at least remain before the probed state could change (the answer's TTL follows it).
class HealthTable {
 public:
  enum class Forced : std::uint8_t { None = 0, Up = 1, Down = 2 };
  static constexpr std::uint32_t kNoCap = 0xffffffffu;

  explicit HealthTable(std::size_t size);
  [[nodiscard]] bool up(std::uint32_t id) const noexcept {
    if (id >= size_) return true;
    auto f = static_cast<Forced>(forced_[id].load(std::memory_order_relaxed));
    if (f != Forced::None) return f == Forced::Up;
    return states_[id].load(std::memory_order_relaxed) == 0;
  }
  [[nodiscard]] bool probed_up(std::uint32_t id) const noexcept {
    return id >= size_ || states_[id].load(std::memory_order_relaxed) == 0;
  }
  [[nodiscard]] Forced forced(std::uint32_t id) const noexcept {
    return id >= size_ ? Forced::None : static_cast<Forced>(forced_[id].load(std::memory_order_relaxed));
  }
  /// Seconds until the state could change; kNoCap when not probed or overridden.
  [[nodiscard]] std::uint32_t ttl_cap(std::uint32_t id) const noexcept {
    if (id >= size_ || forced(id) != Forced::None) return kNoCap;
    return caps_[id].load(std::memory_order_relaxed);
  }
  void set_up(std::uint32_t id, bool up) noexcept;
  void set_forced(std::uint32_t id, Forced f) noexcept;
  void set_ttl_cap(std::uint32_t id, std::uint32_t seconds) noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  std::size_t size_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> states_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> forced_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> caps_;
};

/// A probed endpoint of the policy: which pool and member it is, under which health id.
struct ProbeTarget {
  std::uint32_t health_id = 0;
  std::int32_t pool = -1;
  std::string address;  // the member (or a CNAME pool's check_address)
  std::string name;     // "pool/address", stable across reloads
  std::int32_t check = -1;
};

struct Policy {
  std::vector<Region> regions;
  std::int32_t default_region = 0;
  std::vector<Pool> pools;
  std::vector<Record> records;
  std::uint32_t health_ids = 0;
  geo::NetMap geo_map;      // address -> region by explicit mappings, then distance, then default
  geo::NetMap nearest_map;  // address -> region by distance only, then default
  EcsSpec ecs;
  std::vector<std::string> check_names;
  std::vector<health::CheckSpec> checks;
  std::vector<ProbeTarget> targets;  // every probed member
  long failover_budget_ms = 30'000;
  std::vector<geo::DatabaseInfo> databases;
  std::vector<std::string> location_databases;  // for explain lookups
  std::vector<std::string> asn_databases;
  /// The explicit mappings, kept so explain can say why an address got its region.
  std::map<std::string, std::int32_t> continent_map, country_map, subdivision_map, asn_map;
  std::vector<std::pair<dns::Prefix, std::int32_t>> cidr_map;  // broadest first

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
