// SPDX-License-Identifier: MIT
// World construction from a Config: policy, zones (with their dynamic owners), cookie secrets.
#include "sgdns/world/build.h"

#include <ctime>

#include "sgdns/dns/name.h"
#include "sgdns/zone/zone.h"
#include "signing.h"

namespace sgdns::world {

using config::Config;
using config::ConfigError;
using config::Problems;
using config::ZoneSource;

namespace {

/// Each dynamic record goes to the served zone with the longest origin containing it.
std::vector<std::vector<zone::DynamicOwner>> dynamic_owners(const Config& config,
                                                            const policy::Policy* policy) {
  std::vector<std::vector<zone::DynamicOwner>> out(config.zones.size());
  if (!policy) return out;
  Problems problems;
  std::vector<std::vector<std::uint8_t>> origins;
  for (const ZoneSource& z : config.zones) {
    std::vector<std::uint8_t> wire;
    if (!dns::name_from_text(z.origin, wire))
      throw ConfigError("zone \"" + z.origin + "\": not a domain name");
    dns::name_to_lower(wire.data(), wire.size());
    origins.push_back(std::move(wire));
  }
  for (std::size_t r = 0; r < policy->records.size(); ++r) {
    const policy::Record& rec = policy->records[r];
    int best = -1;
    for (std::size_t z = 0; z < origins.size(); ++z) {
      if (dns::is_subdomain(rec.owner.data(), origins[z].data()) &&
          (best < 0 || origins[z].size() > origins[static_cast<std::size_t>(best)].size()))
        best = static_cast<int>(z);
    }
    if (best < 0) {
      problems.add("records.\"" + rec.name + "\": not in any served zone");
      continue;
    }
    out[static_cast<std::size_t>(best)].push_back({rec.owner, static_cast<std::int32_t>(r)});
  }
  problems.throw_if_any();
  return out;
}

}  // namespace

std::shared_ptr<engine::World> build_world(const Config& config, std::uint64_t generation) {
  auto world = std::make_shared<engine::World>();
  world->generation = generation;
  world->options = config.options;
  world->config_file = config.config_file;
  world->config_sha256 = config.config_sha256;
  // Everything is checked even after a mistake, so one pass (sgdns check, a refused reload) lists them
  // all: the policy's, then each zone's, in that order.
  Problems problems;
  const std::string where = config.config_file;
  std::vector<std::string> budgets;  // last: a budget matters only once everything else is right
  auto named = [&](const std::string& p) { return where.empty() ? p : where + ": " + p; };
  problems.attempt([&] {
    if (world->options.cookies.enabled && !config.cookie_secret_file.empty())
      config::read_cookie_secrets(config.cookie_secret_file, world->options.cookies);
  });
  try {
    if (!config.policy.empty()) {
      world->policy = policy::compile(config.policy);
      world->health = std::make_shared<health::HealthTable>(world->policy->health_ids);
    }
  } catch (const policy::PolicyErrors& e) {
    for (const auto& p : e.structural()) problems.add(named(p));
    for (const auto& p : e.budgets()) budgets.push_back(named(p));
  } catch (const policy::PolicyError& e) {
    problems.add(where.empty() ? e.what() : where + ": " + e.what());
  }
  std::vector<std::vector<zone::DynamicOwner>> owners(config.zones.size());
  problems.attempt([&] { owners = dynamic_owners(config, world->policy.get()); });
  for (std::size_t i = 0; i < config.zones.size(); ++i) {
    const ZoneSource& source = config.zones[i];
    try {
      if (source.keys.empty()) {
        world->zones.add(zone::Zone::load(source.origin, source.file, owners[i]));
        continue;
      }
      if (!world->signatures)
        world->signatures = std::make_shared<dnssec::SignatureCache>(kSignatureCacheEntries);
      auto signed_zone = load_signed_zone(source, owners[i], world->signatures,
                                          static_cast<std::uint32_t>(std::time(nullptr)));
      world->zones.add(std::shared_ptr<const zone::Zone>(signed_zone, &signed_zone->zone()));
      world->signed_zones.push_back(std::move(signed_zone));
    } catch (const std::exception& e) {  // zone::ZoneError with file:line, or a bad origin
      problems.add(e.what());
    }
  }
  for (auto& b : budgets) problems.add(std::move(b));
  problems.throw_if_any();
  return world;
}

}  // namespace sgdns::world
