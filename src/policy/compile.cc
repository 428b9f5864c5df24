// SPDX-License-Identifier: MIT
// Compiles a PolicySpec: checks every reference, folds the GeoIP databases into prefix maps, assigns
// health ids and pre-orders each record's pools per region.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "failover_budget.h"
#include "geo_maps.h"
#include "sgdns/dns/address.h"
#include "sgdns/dns/name.h"
#include "sgdns/policy/policy.h"
#include "sgdns/util/duration_text.h"
#include "sgdns/util/log.h"

namespace sgdns::policy {
namespace {

/// JSON path of an object member; keys that are not plain identifiers are quoted, as in
/// records."www.streamgate.example.".pools[2].
std::string key_path(const std::string& parent, const std::string& key) {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  return parent + "." + (plain ? key : "\"" + key + "\"");
}

std::string index_path(const std::string& parent, std::size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

constexpr const char* kContinents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};

class Compiler {
 public:
  explicit Compiler(const PolicySpec& spec) : spec_(spec), out_(std::make_shared<Policy>()) {}

  /// Every mistake is collected, structural ones first and failover budgets last (a budget is only
  /// meaningful for a record that is otherwise right), then thrown together.
  std::shared_ptr<const Policy> run() {
    out_->ecs = spec_.ecs;
    out_->failover_budget_ms = spec_.failover_budget_ms;
    out_->health_sharing_ms = spec_.health_sharing_ms;
    // Plain loop variables rather than structured bindings throughout: clang 14 (the fuzz build) cannot
    // capture a binding in a lambda.
    for (const auto& entry : spec_.checks) {
      const std::string& name = entry.first;
      const health::CheckSpec& check = entry.second;
      attempt([&] { check_check(key_path("checks", name), check); });
      out_->check_names.push_back(name);
      out_->checks.push_back(check);
    }
    regions();
    pools();
    records();
    maps();
    budgets();
    if (!problems_.empty() || !budget_problems_.empty()) throw PolicyErrors(problems_, budget_problems_);
    return out_;
  }

 private:
  /// Runs one step; a PolicyError it throws is noted and compiling goes on. True when it succeeded.
  template <typename F>
  bool attempt(F step) {
    try {
      step();
      return true;
    } catch (const PolicyError& e) {
      problems_.push_back(e.what());
      return false;
    }
  }

  void regions() {
    if (spec_.regions.empty() && !spec_.records.empty()) problems_.push_back("regions: no regions defined");
    // A prefix map value holds the region in 16 bits (placement()).
    if (spec_.regions.size() > 0xFFFF) problems_.push_back("regions: at most 65535 regions");
    for (const auto& entry : spec_.regions) {
      const std::string& name = entry.first;
      const RegionSpec& r = entry.second;
      Region region;
      region.name = name;
      std::string path = key_path("regions", name);
      attempt([&] {
        if (!r.location) return;
        auto [lat, lon] = *r.location;
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
          throw PolicyError(path + ".location", "latitude must be in [-90, 90] and longitude in [-180, 180]");
        region.has_location = true;
        region.latitude = lat;
        region.longitude = lon;
      });
      attempt([&] { check_codes(path, r); });
      out_->regions.push_back(region);
    }
    std::int32_t index = 0;
    for (const auto& entry : spec_.regions) {
      const RegionSpec& r = entry.second;
      std::string path = key_path("regions", entry.first);
      for (const auto& c : r.continents) attempt([&] { claim(continent_, c, index, path + ".continents"); });
      for (const auto& c : r.countries) attempt([&] { claim(country_, c, index, path + ".countries"); });
      for (const auto& s : r.subdivisions)
        attempt([&] { claim(subdivision_, s, index, path + ".subdivisions"); });
      for (auto asn : r.asns) attempt([&] { claim(asn_, std::to_string(asn), index, path + ".asns"); });
      ++index;
    }
    out_->default_region = 0;
    if (spec_.default_region && out_->region_index(*spec_.default_region) < 0)
      problems_.push_back("default_region: no region \"" + *spec_.default_region + "\"");
    else if (spec_.default_region)
      out_->default_region = out_->region_index(*spec_.default_region);
    index = 0;
    for (const auto& entry : spec_.regions) {
      attempt([&] { fallbacks(index, entry.first, entry.second); });
      ++index;
    }
  }

  void check_codes(const std::string& path, const RegionSpec& r) {
    for (std::size_t i = 0; i < r.continents.size(); ++i) {
      if (std::find(std::begin(kContinents), std::end(kContinents), r.continents[i]) == std::end(kContinents))
        throw PolicyError(index_path(path + ".continents", i),
                          "\"" + r.continents[i] + "\" is not a continent code (AF AN AS EU NA OC SA)");
    }
    for (std::size_t i = 0; i < r.countries.size(); ++i) {
      const std::string& c = r.countries[i];
      if (c.size() != 2 || !std::isupper(static_cast<unsigned char>(c[0])) ||
          !std::isupper(static_cast<unsigned char>(c[1])))
        throw PolicyError(index_path(path + ".countries", i),
                          "\"" + c + "\" is not an ISO 3166-1 alpha-2 code");
    }
    for (std::size_t i = 0; i < r.subdivisions.size(); ++i) {
      const std::string& s = r.subdivisions[i];
      if (s.size() < 4 || s[2] != '-')
        throw PolicyError(index_path(path + ".subdivisions", i),
                          "\"" + s + "\" is not an ISO 3166-2 code like \"US-CA\"");
    }
  }

  /// A continent, country, subdivision or ASN may belong to one region only.
  void claim(std::map<std::string, std::int32_t>& map, const std::string& key, std::int32_t region,
             const std::string& path) {
    auto [it, fresh] = map.emplace(key, region);
    if (!fresh && it->second != region)
      throw PolicyError(path, "\"" + key + "\" is already mapped to region \"" +
                                  out_->regions[static_cast<std::size_t>(it->second)].name + "\"");
  }

  void fallbacks(std::int32_t index, const std::string& name, const RegionSpec& r) {
    Region& region = out_->regions[static_cast<std::size_t>(index)];
    std::string path = key_path("regions", name) + ".fallback";
    if (r.fallback) {
      for (std::size_t i = 0; i < r.fallback->size(); ++i) {
        std::int32_t f = out_->region_index((*r.fallback)[i]);
        if (f < 0) throw PolicyError(index_path(path, i), "no region \"" + (*r.fallback)[i] + "\"");
        if (f == index) throw PolicyError(index_path(path, i), "a region cannot fall back to itself");
        region.fallback.push_back(f);
      }
      return;
    }
    // Default: every other region, nearest first; regions without a location go last, by name.
    std::vector<std::pair<double, std::int32_t>> by_distance;
    for (std::size_t i = 0; i < out_->regions.size(); ++i) {
      if (static_cast<std::int32_t>(i) == index) continue;
      const Region& other = out_->regions[i];
      double d =
          region.has_location && other.has_location
              ? geo::great_circle_km(region.latitude, region.longitude, other.latitude, other.longitude)
              : 1e9;
      by_distance.emplace_back(d, static_cast<std::int32_t>(i));
    }
    std::stable_sort(by_distance.begin(), by_distance.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [d, i] : by_distance) region.fallback.push_back(i);
  }

  static void check_check(const std::string& path, const health::CheckSpec& c) {
    if (c.fall < 1 || c.rise < 1) throw PolicyError(path, "fall and rise must be at least 1");
    if (c.interval_ms < 100) throw PolicyError(path + ".interval", "must be at least 100ms");
    if (c.timeout_ms < 10 || c.timeout_ms > c.interval_ms)
      throw PolicyError(path + ".timeout", "must be from 10ms up to the interval");
    if (c.port == 0) throw PolicyError(path + ".port", "must be from 1 to 65535");
  }

  health::Endpoint endpoint(std::uint32_t id, const std::string& address, std::string name,
                            const Pool& pool) const {
    return {id, address, std::move(name), out_->checks[static_cast<std::size_t>(pool.check)]};
  }

  /// Every probed member becomes an endpoint the prober checks and reports under its health id.
  void add_endpoints(const std::string& path, const PoolSpec& spec, const Pool& pool) {
    if (pool.check < 0) return;
    if (pool.is_cname()) {
      if (!spec.check_address)
        throw PolicyError(path + ".check_address", "a checked cname pool needs an address to probe");
      if (dns::IpAddress ip; !dns::parse_ip(*spec.check_address, ip))
        throw PolicyError(path + ".check_address",
                          "\"" + *spec.check_address + "\" is not an IPv4 or IPv6 address");
      out_->endpoints.push_back(
          endpoint(pool.cname_health_id, *spec.check_address, pool.name + "/cname", pool));
      return;
    }
    for (const Member& m : pool.members)
      out_->endpoints.push_back(endpoint(m.health_id, m.address, pool.name + "/" + m.address, pool));
  }

  /// A pool with a mistake is still added (so references to it resolve) but marked broken: the records
  /// that use it are not checked further, which would only repeat its mistake in other words.
  void pools() {
    for (const auto& entry : spec_.pools) {
      const std::string& name = entry.first;
      const PoolSpec& p = entry.second;
      std::string path = key_path("pools", name);
      Pool pool;
      pool.name = name;
      bool ok = attempt([&] {
        if (!p.check) return;
        auto it = std::find(out_->check_names.begin(), out_->check_names.end(), *p.check);
        if (it == out_->check_names.end())
          throw PolicyError(path + ".check", "no check \"" + *p.check + "\"");
        pool.check = static_cast<std::int32_t>(it - out_->check_names.begin());
      });
      ok &= attempt([&] {
        if (!p.region) return;
        pool.region = out_->region_index(*p.region);
        if (pool.region < 0) throw PolicyError(path + ".region", "no region \"" + *p.region + "\"");
      });
      ok &= attempt([&] {
        if (p.cname && !p.members.empty())
          throw PolicyError(path, "a pool has either members or a cname, not both");
        if (!p.cname && p.members.empty()) throw PolicyError(path, "a pool needs members or a cname");
        if (!p.cname) return;
        if (!dns::name_from_text(*p.cname, pool.cname) || p.cname->back() != '.')
          throw PolicyError(path + ".cname", "\"" + *p.cname + "\" is not an absolute domain name");
        pool.cname_health_id = out_->health_ids++;
      });
      std::set<std::string> seen;
      for (std::size_t i = 0; i < p.members.size(); ++i)
        ok &= attempt(
            [&] { pool.members.push_back(member(index_path(path + ".members", i), p.members[i], seen)); });
      if (ok) ok = attempt([&] { add_endpoints(path, p, pool); });
      pool_ok_.push_back(ok);
      out_->pools.push_back(std::move(pool));
    }
  }

  Member member(const std::string& path, const MemberSpec& spec, std::set<std::string>& seen) {
    Member m;
    m.address = spec.address;
    dns::IpAddress ip;
    if (!dns::parse_ip(spec.address, ip))
      throw PolicyError(path + ".address", "\"" + spec.address + "\" is not an IPv4 or IPv6 address");
    m.rdlen = static_cast<std::uint8_t>(ip.size());
    std::memcpy(m.rdata, ip.bytes, ip.size());
    if (!seen.insert(spec.address).second)
      throw PolicyError(path + ".address", "\"" + spec.address + "\" is listed twice");
    if (spec.weight < 1 || spec.weight > 1'000'000)
      throw PolicyError(path + ".weight", "must be from 1 to 1000000");
    m.weight = spec.weight;
    m.health_id = out_->health_ids++;
    return m;
  }

  void records() {
    for (const auto& entry : spec_.records) attempt([&] { record(entry.first, entry.second); });
    for (std::size_t i = 0; i < out_->records.size(); ++i) {
      const auto& owner = out_->records[i].owner;
      out_->record_index.emplace(std::string_view(reinterpret_cast<const char*>(owner.data()), owner.size()),
                                 static_cast<std::int32_t>(i));
    }
  }

  /// Compiles one record, or throws its first mistake.
  void record(const std::string& name, const RecordSpec& r) {
    std::string path = key_path("records", name);
    Record rec;
    rec.name = name;
    if (name.empty() || name.back() != '.' || !dns::name_from_text(name, rec.owner))
      throw PolicyError(path, "the owner must be an absolute domain name (ending with a dot)");
    dns::name_to_lower(rec.owner.data(), rec.owner.size());
    rec.a = r.a;
    rec.aaaa = r.aaaa;
    rec.ttl = r.ttl;
    rec.kind = r.kind;
    rec.max_answers = r.max_answers;
    rec.fail_open = r.fail_open;
    if (r.pools.empty()) throw PolicyError(path + ".pools", "a record needs at least one pool");
    bool pools_ok = true;
    for (std::size_t i = 0; i < r.pools.size(); ++i) {
      std::int32_t p = out_->pool_index(r.pools[i].pool);
      if (p < 0) throw PolicyError(index_path(path + ".pools", i), "no pool \"" + r.pools[i].pool + "\"");
      if (std::find(rec.pools.begin(), rec.pools.end(), p) != rec.pools.end())
        throw PolicyError(index_path(path + ".pools", i), "pool \"" + r.pools[i].pool + "\" is listed twice");
      pools_ok = pools_ok && pool_ok_[static_cast<std::size_t>(p)];
      rec.pools.push_back(p);
      rec.pool_weights.push_back(r.pools[i].weight);
    }
    if (!pools_ok) return;  // the broken pool is reported already
    check_families(path, rec);
    rec.min_ttl = r.min_ttl.value_or(std::min<std::uint32_t>(r.ttl, 5));
    if (rec.min_ttl > rec.ttl) throw PolicyError(path + ".min_ttl", "must not exceed ttl");
    order(rec);
    out_->records.push_back(std::move(rec));
  }

  /// The failover arithmetic of every compiled record; one over the budget is a problem. Runs after
  /// every structural check, so a record is never refused for its budget before its other mistakes.
  void budgets() {
    for (Record& rec : out_->records) {
      FailoverCase c = failover_case(*out_, rec);
      rec.worst_failover_ms = c.worst_ms;
      rec.failover_arithmetic = c.arithmetic;
      if (c.worst_ms > out_->failover_budget_ms)
        budget_problems_.push_back(key_path("records", rec.name) + ": worst-case failover " + c.arithmetic +
                                   " exceeds failover_budget " +
                                   util::duration_text(out_->failover_budget_ms));
    }
  }

  void check_families(const std::string& path, const Record& rec) {
    auto can = [&](std::uint8_t rdlen) {
      return std::any_of(rec.pools.begin(), rec.pools.end(), [&](std::int32_t p) {
        const Pool& pool = out_->pools[static_cast<std::size_t>(p)];
        return pool.is_cname() || pool.has_family(rdlen);
      });
    };
    if (rec.a && !can(4))
      throw PolicyError(path + ".types", "\"A\" but no pool has an IPv4 member or a cname");
    if (rec.aaaa && !can(16))
      throw PolicyError(path + ".types", "\"AAAA\" but no pool has an IPv6 member or a cname");
  }

  /// Pre-orders the pools a client of each region tries: its region's pools (as listed), then each
  /// fallback region's, then pools that belong to no region (a CDN is the last resort of every region).
  void order(Record& rec) {
    if (rec.kind != Kind::Geo && rec.kind != Kind::Nearest) return;
    for (std::size_t r = 0; r < out_->regions.size(); ++r) {
      std::vector<std::int32_t> list;
      auto add_region = [&](std::int32_t region) {
        for (std::int32_t p : rec.pools) {
          if (out_->pools[static_cast<std::size_t>(p)].region == region) list.push_back(p);
        }
      };
      add_region(static_cast<std::int32_t>(r));
      for (std::int32_t f : out_->regions[r].fallback) add_region(f);
      add_region(-1);
      rec.order.push_back(std::move(list));
    }
  }

  void maps() {
    if (out_->regions.empty()) return;
    detail::compile_geo_maps(spec_, detail::Mappings{continent_, country_, subdivision_, asn_}, *out_,
                             problems_);
  }

  const PolicySpec& spec_;
  std::shared_ptr<Policy> out_;
  std::vector<std::string> problems_;
  std::vector<std::string> budget_problems_;  // reported after every structural problem
  std::vector<bool> pool_ok_;                 // per pool: compiled without a mistake
  std::map<std::string, std::int32_t> continent_, country_, subdivision_, asn_;
};

}  // namespace

std::shared_ptr<const Policy> compile(const PolicySpec& spec) {
  return Compiler(spec).run();
}

}  // namespace sgdns::policy
