// SPDX-License-Identifier: MIT
// Defaults, reload and World construction from a Config.
#include "sgdns/config/config.h"

#include "defaults.h"
#include "sgdns/zone/zone.h"

namespace sgdns::config {

void apply_defaults(Config& c) {
  if (c.listen.empty()) c.listen.push_back(parse_socket_address("127.0.0.1:5353"));
  if (!c.axfr_allow_set) {
    c.options.axfr_allow = {parse_prefix("127.0.0.0/8"), parse_prefix("::1/128")};
  }
}

Config reload_config(const Config& current) {
  std::vector<const char*> argv;
  for (const std::string& a : current.argv) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data()).config;
}

std::shared_ptr<const engine::World> build_world(const Config& config, std::uint64_t generation) {
  auto world = std::make_shared<engine::World>();
  world->generation = generation;
  world->options = config.options;
  for (const ZoneSource& source : config.zones) {
    try {
      world->zones.add(zone::Zone::load(source.origin, source.file));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
  return world;
}

}  // namespace sgdns::config
