// SPDX-License-Identifier: MIT
// For the control pieces' unit tests: a scratch folder and a small World with probed pools, built the way
// the server builds one (a configuration file, world::build_world).
#pragma once
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "overrides.h"
#include "sgdns/config/config.h"
#include "sgdns/engine/world.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/world/build.h"

namespace sgdns::app::testing {

struct ScratchFolder {
  ScratchFolder() {
    char name[] = "/tmp/sgdns-app-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~ScratchFolder() { std::filesystem::remove_all(path); }
  [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(file(name)) << text; }
  std::string path;
};

/// A configuration file in `folder`: pools "primary" (192.0.2.100, 192.0.2.101) and "standby"
/// (198.51.100.100, and 192.0.2.100 again: the same probed thing as primary's), both under a TCP check
/// with `check` as extra settings, and one failover record. Returns its path.
inline std::string write_config(const ScratchFolder& folder, const std::string& check = "",
                                const std::string& primary = R"("192.0.2.100", "192.0.2.101")") {
  folder.write("sgdns.json", R"({
  "zones": [{"origin": "geo.example.test.", "file": ")" SGDNS_TEST_DATA
                             R"(/golden/zones/geo.example.test.zone"}],
  "default_region": "here",
  "regions": {"here": {"cidrs": ["127.0.0.0/8"]}},
  "checks": {"web": {"type": "tcp", "port": 80)" +
                                 check + R"(}},
  "pools": {
    "primary": {"check": "web", "members": [)" +
                                 primary + R"(]},
    "standby": {"check": "web", "members": ["198.51.100.100", "192.0.2.100"]}
  },
  "records": {
    "origin.geo.example.test.": {"types": ["A"], "ttl": 20, "policy": "failover", "pools": ["primary", "standby"]}
  }
})");
  return folder.file("sgdns.json");
}

/// The configuration as `sgdns --config FILE` reads it (a reload reads the same command line again).
inline config::Config from_command_line(const std::string& config_file) {
  // No --log-level: a reload applies it to the whole process, and other tests read the log.
  const char* argv[] = {"sgdns", "--config", config_file.c_str()};
  return config::parse_command_line(3, argv).config;
}

inline std::shared_ptr<engine::World> build(const std::string& config_file, std::uint64_t generation = 1) {
  return world::build_world(config::load_config_file(config_file), generation);
}

/// A World over write_config() in a scratch folder, its metrics, and Overrides (state file "state.json"
/// in the folder) installed on it: the fixture of the control pieces' tests (TEST_CASE_METHOD).
struct Bed {
  Bed() { overrides.install(*world); }
  ScratchFolder folder;
  std::string config = write_config(folder);
  std::shared_ptr<engine::World> world = build(config);
  metrics::Metrics metrics;
  Overrides overrides{folder.file("state.json"), metrics};
};

}  // namespace sgdns::app::testing
