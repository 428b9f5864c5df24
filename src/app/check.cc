// SPDX-License-Identifier: MIT
// sgdns check: loads what the server would load, reports every problem, binds nothing (like nsd-checkconf
// and kzonecheck, but for the whole set: configuration, zones, GeoIP and the failover budget together).
#include "sgdns/app/check.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "overrides_store.h"
#include "sgdns/config/config.h"
#include "sgdns/world/build.h"
#include "token_file.h"
#include "world_report.h"

namespace sgdns::app {
namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(Usage: sgdns check [--json] --config FILE [server options]
Loads the configuration, every zone and GeoIP database, the admin token and the overrides state file
exactly as `sgdns` would with the same options, checks every dynamic record's failover budget, and binds
nothing. Prints what would be served (--json: as JSON) and exits 0, or lists every problem on stderr and
exits 2.
)";

/// What a start would meet beyond the World (control.cc reads these): an unreadable or short token stops
/// it (a problem); a token others can read, or a state file it would move aside and start without, does
/// not (a warning). The state file is only read: a check never moves it.
void check_admin_files(const config::Config& c, std::vector<std::string>& problems,
                       std::vector<std::string>& warnings) {
  for (const auto& [setting, path] :
       {std::pair<std::string, std::string>{"admin.token_file", c.admin.token_file},
        {"admin.read_token_file", c.admin.read_token_file}}) {
    if (path.empty()) continue;
    auto token = read_token_file(path);
    if (!token)
      problems.push_back(setting + " " + path +
                         ": cannot read (make one: head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n' > " +
                         path + ")");
    else if (token->size() < kMinTokenLength)
      problems.push_back(setting + " " + path + ": the token must be at least " +
                         std::to_string(kMinTokenLength) + " characters");
    else if (readable_by_others(path))
      warnings.push_back(setting + " " + path + ": readable by group or others: chmod 600 it");
  }
  if (c.admin.state_file.empty()) return;
  std::ifstream in(c.admin.state_file);
  if (!in) return;  // none yet: the first override creates it
  std::stringstream text;
  text << in.rdbuf();
  try {
    (void)OverridesStore::parse(text.str());
  } catch (const std::exception& e) {
    warnings.push_back("admin.state_file " + c.admin.state_file + ": " + e.what() +
                       ": sgdns would move it aside and start without overrides");
  }
}

void add(std::vector<std::string>& problems, const std::exception& e) {
  if (const auto* many = dynamic_cast<const config::ConfigErrors*>(&e))
    problems.insert(problems.end(), many->problems().begin(), many->problems().end());
  else
    problems.push_back(e.what());
}

json report(const config::Config& c, const engine::World& world) {
  json listen = json::array();
  for (const auto& a : c.listen) listen.push_back(a.text);
  return {{"config", c.config_file.empty() ? json(nullptr) : json(c.config_file)},
          {"listen", listen},
          {"admin", c.admin.listen ? json(c.admin.listen->text) : json(nullptr)},
          {"zones", zones_json(world)},
          {"geoip", geoip_json(world)},
          {"records", records_json(world)}};
}

void print_text(const json& r) {
  std::printf("sgdns check: %s: OK\n",
              r["config"].is_null() ? "command line" : r["config"].get<std::string>().c_str());
  for (const auto& z : r["zones"])
    std::printf("zone %s: serial %u, %zu records\n", z["origin"].get<std::string>().c_str(),
                z["serial"].get<unsigned>(), z["records"].get<std::size_t>());
  for (const auto& g : r["geoip"])
    std::printf("geoip %s: %s, built %s, %llu networks, layout %s\n", g["path"].get<std::string>().c_str(),
                g["type"].get<std::string>().c_str(), g["build_date"].get<std::string>().c_str(),
                g["networks"].get<unsigned long long>(), g["layout"].get<std::string>().c_str());
  for (const auto& rec : r["records"]) {
    std::string failover = "no checked pool, nothing fails over";
    if (rec["failover"].is_object())
      failover = rec["failover"]["arithmetic"].get<std::string>() + ", within failover_budget " +
                 rec["failover"]["budget"].get<std::string>();
    std::printf("record %s: %s, ttl %u: %s\n", rec["name"].get<std::string>().c_str(),
                rec["policy"].get<std::string>().c_str(), rec["ttl"].get<unsigned>(), failover.c_str());
  }
}

}  // namespace

const char* check_usage() {
  return kUsage;
}

int run_check(int argc, const char* const* argv) {
  bool as_json = false;
  std::vector<const char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--json") == 0) {
      as_json = true;
    } else if (i > 0 && (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)) {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      args.push_back(argv[i]);
    }
  }
  std::vector<std::string> problems, warnings;
  std::optional<config::Config> config;
  std::shared_ptr<engine::World> world;
  try {
    config = config::parse_command_line(static_cast<int>(args.size()), args.data()).config;
  } catch (const std::exception& e) {
    add(problems, e);
  }
  if (config) {
    try {
      world = world::build_world(*config, 1);
    } catch (const std::exception& e) {
      add(problems, e);
    }
    check_admin_files(*config, problems, warnings);
    if (world && world->policy)
      warnings.insert(warnings.end(), world->policy->warnings.begin(), world->policy->warnings.end());
  }
  for (const auto& w : warnings) std::fprintf(stderr, "sgdns check: warning: %s\n", w.c_str());
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "sgdns check: %s\n", p.c_str());
    std::fprintf(stderr, "sgdns check: %zu problem%s\n", problems.size(), problems.size() == 1 ? "" : "s");
    return 2;
  }
  json r = report(*config, *world);
  if (as_json)
    std::puts(r.dump(2).c_str());
  else
    print_text(r);
  return 0;
}

}  // namespace sgdns::app
