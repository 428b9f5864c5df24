// SPDX-License-Identifier: MIT
// sgdns geoip-report: loads the configuration as a start would and prints, per GeoIP database, the layout
// recognised, the fields found and the share of IPv4 and IPv6 each rule places; then the served map's.
#include "sgdns/app/geoip_report.h"

#include <cstdio>
#include <string_view>

#include "sgdns/config/config.h"
#include "sgdns/util/args.h"
#include "sgdns/world/build.h"
#include "world_report.h"

namespace sgdns::app {
namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(Usage: sgdns geoip-report [--json] --config FILE [server options]
Reads every GeoIP database the configuration names, as a start would, and prints per database the layout
recognised, the fields found (with the paths that gave them) and the share of the IPv4 space and of IPv6
global unicast (2000::/3), weighted by address count, that each rule places in a region: cidr, asn,
subdivision, country, continent, nearest, default. Then the same for the map served (every database and
every CIDR together), then warnings about region mappings nothing in the data matches. Exits 0, or 2 with
the problems on stderr.
)";

std::string percent(double share) {
  // A share too small for three decimals still places someone: "<0.001%", never a misleading 0.000%.
  if (share > 0 && share < 0.00001) return "  <0.001%";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%8.3f%%", share * 100);
  return buf;
}

void coverage_lines(const policy::Coverage& coverage, std::vector<std::string>& lines) {
  lines.push_back("  rule              IPv4       IPv6");
  for (const policy::LocateRule rule : policy::kRulePrecedence) {
    const auto r = static_cast<std::size_t>(rule);
    char buf[96];
    std::snprintf(buf, sizeof buf, "  %-12s %s  %s", policy::rule_name(rule), percent(coverage.v4[r]).c_str(),
                  percent(coverage.v6[r]).c_str());
    lines.push_back(buf);
  }
}

std::string fields_text(const geo::DatabaseInfo& db) {
  std::string text;
  for (std::size_t f = 0; f < geo::kFieldCount; ++f) {
    std::string paths;
    for (const geo::FieldUse& use : db.found[f])
      paths += (paths.empty() ? "" : ", ") + use.path + " (" + std::to_string(use.records) + ")";
    if (f == static_cast<std::size_t>(geo::Field::Continent) && db.continents_from_countries > 0)
      paths += (paths.empty() ? "" : ", ") + std::string("from the country (") +
               std::to_string(db.continents_from_countries) + ")";
    text += std::string(text.empty() ? "" : "; ") + geo::field_name(static_cast<geo::Field>(f)) + " " +
            (paths.empty() ? "-" : paths);
  }
  return text;
}

}  // namespace

std::vector<std::string> geoip_report_lines(const engine::World& world) {
  std::vector<std::string> lines;
  if (!world.policy) return lines;
  const policy::Policy& p = *world.policy;
  for (std::size_t i = 0; i < p.databases.size(); ++i) {
    const geo::DatabaseInfo& db = p.databases[i];
    lines.push_back("geoip " + db.path + ": " + db.layout + " (type " + db.database_type + "), built " +
                    utc_time(static_cast<double>(db.build_epoch)) + ", " + std::to_string(db.networks) +
                    " networks, " + std::to_string(db.records) + " records");
    lines.push_back("  fields: " + fields_text(db));
    if (i < p.database_coverage.size()) coverage_lines(p.database_coverage[i], lines);
  }
  if (!p.regions.empty()) {
    char took[160];
    std::snprintf(took, sizeof took, "served map (every database and CIDR): compiled in %.2f s, %zu nodes:",
                  p.geoip_compile_seconds, p.geo_map.node_count());
    lines.push_back(took);
    coverage_lines(p.coverage, lines);
  }
  for (const std::string& w : p.warnings) lines.push_back("warning: " + w);
  return lines;
}

int run_geoip_report(int argc, const char* const* argv) {
  if (args::wants_help(argc, argv)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  // --json is this command's own; every other word is a server option, split by the one parser
  // (util/args.h, through config::parse_command_line) so it reads as it would for `sgdns`.
  bool as_json = false;
  std::vector<const char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::string_view(argv[i]) == "--json")
      as_json = true;
    else
      args.push_back(argv[i]);
  }
  std::shared_ptr<engine::World> world;
  try {
    const config::Config config =
        config::parse_command_line(static_cast<int>(args.size()), args.data()).config;
    world = world::build_world(config, 1);
  } catch (const config::ConfigErrors& e) {
    for (const auto& problem : e.problems())
      std::fprintf(stderr, "sgdns geoip-report: %s\n", problem.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgdns geoip-report: %s\n", e.what());
    return 2;
  }
  if (as_json) {
    json out = {{"databases", geoip_json(*world)},
                {"served", world->policy ? coverage_json(world->policy->coverage) : json()},
                {"warnings", world->policy ? json(world->policy->warnings) : json::array()}};
    std::puts(out.dump(2).c_str());
    return 0;
  }
  for (const std::string& line : geoip_report_lines(*world)) std::puts(line.c_str());
  return 0;
}

}  // namespace sgdns::app
