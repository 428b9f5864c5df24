// SPDX-License-Identifier: MIT
// compile_geo_maps: every database walked once into the maps, its coverage and what its data offers.
#include "geo_maps.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "coverage.h"
#include "sgdns/geo/continents.h"

namespace sgdns::policy::detail {
namespace {

using geo::Field;

struct Placement {
  std::int32_t region;
  LocateRule rule;
};

/// The values a region mapping can meet in the data, over every database.
struct Seen {
  std::set<std::string> continents, countries, subdivisions;
  std::set<std::uint32_t> asns;
};

/// What one data record does: its map values and the rule the report counts it under.
struct Decision {
  bool decided = false;
  bool located = false;  // has a continent, country or coordinates: goes into both maps
  std::uint32_t geo = 0;
  std::uint32_t nearest = 0;
  bool has_asn = false;
  bool asn_mapped = false;  // its ASN belongs to a region: laid over the maps' result
  std::uint32_t asn = 0;
  LocateRule rule = LocateRule::Default;
};

class GeoCompiler {
 public:
  GeoCompiler(const PolicySpec& spec, const Mappings& mappings, Policy& out,
              std::vector<std::string>& problems)
      : spec_(spec), mappings_(mappings), out_(out), problems_(problems) {}

  void run() {
    const auto started = std::chrono::steady_clock::now();
    const auto dflt = placement(out_.default_region, LocateRule::Default);
    geo::NetMapBuilder geo_builder(dflt), nearest_builder(dflt);
    std::vector<std::pair<geo::Network, std::uint32_t>> asn_overlays;
    // Only nearest records read nearest_map: without one, a second trie of every network is load time
    // and memory for nothing (a third of both at GeoLite2-City's size).
    const bool need_nearest = std::any_of(spec_.records.begin(), spec_.records.end(), [](const auto& record) {
      return record.second.kind == Kind::Nearest;
    });
    for (const geo::DatabaseSpec& db : spec_.databases) {
      bool location_db = false, asn_db = false;
      CoverageTally tally;
      // Many networks share a record (a city's, an AS's): decide each record once, by its number.
      std::vector<Decision> decided;
      auto visit = [&](const geo::Network& net, const geo::Location& loc, std::uint32_t record) {
        if (record >= decided.size()) decided.resize(record + 1);
        Decision& d = decided[record];
        if (!d.decided) {
          note(loc);
          d = decide(loc);
        }
        if (d.located) {
          location_db = true;
          geo_builder.insert(net, d.geo);
          if (need_nearest) nearest_builder.insert(net, d.nearest);
        }
        if (d.has_asn) asn_db = true;
        if (d.asn_mapped) asn_overlays.emplace_back(net, d.asn);
        if (d.rule != LocateRule::Default) tally.add(net, d.rule);
      };
      geo::DatabaseInfo info;
      try {
        info = geo::walk_database(db, geo::RecordVisitor(visit));
      } catch (const geo::GeoError& e) {
        problems_.push_back(std::string("geoip: ") + e.what());  // each database is checked, not just one
        continue;
      }
      if (!gives_a_used_field(info)) continue;
      out_.databases.push_back(info);
      out_.database_coverage.push_back(tally.finish());
      if (location_db) out_.location_databases.push_back(db);
      if (asn_db) out_.asn_databases.push_back(db);
    }
    for (const auto& [net, value] : asn_overlays) geo_builder.insert(net, value);
    cidrs(geo_builder);
    out_.geo_map = geo_builder.build();
    out_.nearest_map = nearest_builder.build();
    out_.coverage = map_coverage(out_.geo_map);
    warn_unmatched();
    out_.geoip_compile_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

 private:
  Decision decide(const geo::Location& loc) const {
    Decision d;
    d.decided = true;
    d.located = !loc.continent.empty() || !loc.country.empty() || loc.has_coordinates;
    if (d.located) {
      const Placement placed = explicit_or_nearest(loc);
      const Placement near = nearest(loc);
      d.geo = placement(placed.region, placed.rule);
      d.nearest = placement(near.region, near.rule);
      d.rule = placed.rule;
    }
    d.has_asn = loc.asn != 0;
    if (auto it = mappings_.asns.find(std::to_string(loc.asn)); d.has_asn && it != mappings_.asns.end()) {
      d.asn_mapped = true;
      d.asn = placement(it->second, LocateRule::Asn);
      d.rule = LocateRule::Asn;
    }
    return d;
  }

  /// The nearest region with a location, or the default region when the data has no coordinates.
  Placement nearest(const geo::Location& loc) const {
    Placement best{out_.default_region, LocateRule::Default};
    if (!loc.has_coordinates) return best;
    double best_km = 1e18;
    for (std::size_t i = 0; i < out_.regions.size(); ++i) {
      const Region& r = out_.regions[i];
      if (!r.has_location) continue;
      const double km = geo::great_circle_km(loc.latitude, loc.longitude, r.latitude, r.longitude);
      if (km < best_km) {
        best_km = km;
        best = {static_cast<std::int32_t>(i), LocateRule::Nearest};
      }
    }
    return best;
  }

  /// The most specific explicit mapping wins (subdivision, country, continent), else the nearest
  /// region. ASN and CIDR mappings are laid over the result afterwards, so they win over all three.
  Placement explicit_or_nearest(const geo::Location& loc) const {
    const std::tuple<const std::map<std::string, std::int32_t>*, const std::string*, LocateRule> order[] = {
        {&mappings_.subdivisions, &loc.subdivision, LocateRule::Subdivision},
        {&mappings_.countries, &loc.country, LocateRule::Country},
        {&mappings_.continents, &loc.continent, LocateRule::Continent}};
    for (const auto& [map, key, rule] : order) {
      if (key->empty()) continue;
      if (auto it = map->find(*key); it != map->end()) return {it->second, rule};
    }
    return nearest(loc);
  }

  void note(const geo::Location& loc) {
    if (!loc.continent.empty()) seen_.continents.insert(loc.continent);
    if (!loc.country.empty()) seen_.countries.insert(loc.country);
    if (!loc.subdivision.empty()) seen_.subdivisions.insert(loc.subdivision);
    if (loc.asn) seen_.asns.insert(loc.asn);
  }

  bool coordinates_used() const {
    return std::any_of(out_.regions.begin(), out_.regions.end(),
                       [](const Region& r) { return r.has_location; });
  }

  /// A database none of whose fields any region reads would silently send everyone to the default
  /// region (a layout sgdns does not know, or `fields` naming the wrong keys): refused, saying what was
  /// looked for. Nothing is required when the regions use no GeoIP field at all (CIDRs only).
  bool gives_a_used_field(const geo::DatabaseInfo& info) {
    std::vector<Field> used;
    if (!mappings_.continents.empty()) used.push_back(Field::Continent);
    if (!mappings_.countries.empty()) used.push_back(Field::Country);
    if (!mappings_.subdivisions.empty()) used.push_back(Field::Subdivision);
    if (coordinates_used()) used.push_back(Field::Latitude);
    if (!mappings_.asns.empty()) used.push_back(Field::Asn);
    if (used.empty()) return true;
    for (Field f : used) {
      if (info.has(f) || (f == Field::Continent && info.continents_from_countries > 0)) return true;
    }
    const geo::DatabaseSpec* spec = nullptr;
    for (const auto& db : spec_.databases) {
      if (db.path == info.path) spec = &db;
    }
    const geo::FieldPaths& paths = spec && spec->fields ? *spec->fields : geo::common_layout_paths();
    std::string looked;
    for (Field f : used) {
      std::string alternatives;
      for (const geo::KeyPath& p : paths.of(f))
        alternatives += (alternatives.empty() ? "" : ", ") + geo::key_path_text(p);
      if (f == Field::Continent) alternatives += alternatives.empty() ? "a country" : ", or a country";
      if (f == Field::Latitude) {
        for (const geo::KeyPath& p : paths.of(Field::Longitude))
          alternatives += " + " + geo::key_path_text(p);
      }
      looked += (looked.empty() ? "" : "; ") +
                std::string(f == Field::Latitude ? "coordinates" : geo::field_name(f)) + " (" +
                (alternatives.empty() ? "no path configured" : alternatives) + ")";
    }
    problems_.push_back("geoip: " + info.path + ": no record (of " + std::to_string(info.records) +
                        ") has a field the regions use; looked for " + looked);
    return false;
  }

  /// CIDR mappings go on last and broadest first, so the most specific network wins.
  void cidrs(geo::NetMapBuilder& geo_builder) {
    std::vector<std::pair<geo::Network, std::uint32_t>> list;
    std::int32_t index = 0;
    for (const auto& [name, r] : spec_.regions) {
      for (const dns::Prefix& p : r.cidrs) {
        list.emplace_back(p.family == 4 ? geo::Network::from_v4(p.bytes, p.length)
                                        : geo::Network::from_v6(p.bytes, p.length),
                          placement(index, LocateRule::Cidr));
      }
      ++index;
    }
    std::stable_sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
      return x.first.prefix_length < y.first.prefix_length;
    });
    for (const auto& [net, value] : list) geo_builder.insert(net, value);
  }

  /// A mapping no record carries is most likely a typo or a layout without that field: said at load,
  /// not refused (the data may gain it next week).
  void warn_unmatched() {
    if (out_.databases.empty()) return;
    for (const auto& [name, r] : spec_.regions) {
      const std::string path = "regions." + name;
      auto check = [&](const std::vector<std::string>& keys, const std::set<std::string>& seen,
                       const char* what) {
        for (const std::string& key : keys) {
          if (!seen.count(key))
            out_.warnings.push_back(path + "." + what + ": \"" + key +
                                    "\" matches no network in the GeoIP data");
        }
      };
      check(r.continents, seen_.continents, "continents");
      check(r.countries, seen_.countries, "countries");
      check(r.subdivisions, seen_.subdivisions, "subdivisions");
      for (std::uint32_t asn : r.asns) {
        if (!seen_.asns.count(asn))
          out_.warnings.push_back(path + ".asns: " + std::to_string(asn) +
                                  " matches no network in the GeoIP data");
      }
    }
  }

  const PolicySpec& spec_;
  const Mappings& mappings_;
  Policy& out_;
  std::vector<std::string>& problems_;
  Seen seen_;
};

}  // namespace

void compile_geo_maps(const PolicySpec& spec, const Mappings& mappings, Policy& out,
                      std::vector<std::string>& problems) {
  GeoCompiler(spec, mappings, out, problems).run();
}

}  // namespace sgdns::policy::detail
