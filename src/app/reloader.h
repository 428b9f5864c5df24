// SPDX-License-Identifier: MIT
// Reloader: the configuration being served and the next World built from it (app-private, control thread
// only). A reload reads the configuration and zones again, builds and compares a new World and says what
// it would change and warn about; installing it is the caller's (control.h), so a dry run is the same
// path with nothing installed.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "geoip_watch.h"
#include "reload_report.h"
#include "sgdns/config/config.h"
#include "sgdns/engine/world.h"

namespace sgdns::app {

class Reloader {
 public:
  struct Outcome {
    bool ok = false;
    std::string message;
    nlohmann::json changes = nlohmann::json::array();
    std::uint64_t generation = 0;          // the generation serving afterwards
    std::vector<std::string> warnings;     // restart-only settings changed, zone content under an old serial
    std::shared_ptr<engine::World> world;  // to install: set only when ok and not a dry run
  };

  /// `config` is what the process starts with; without a cookie secret file a random secret is made
  /// here and kept by every reload, so cookies stay good.
  explicit Reloader(config::Config config);

  /// The World of the starting configuration, generation 1. Throws what building it throws.
  [[nodiscard]] std::shared_ptr<engine::World> first_world();
  /// Loads the configuration and zones again; `trigger` says who asked (logged). On success (and not a
  /// dry run) the new configuration becomes current and the outcome carries the World to install (the
  /// caller logs "reload: done" once it serves it).
  [[nodiscard]] Outcome reload(const std::string& trigger, bool dry_run, const engine::World& serving);

  /// geoip.check_interval: the first database file replaced since a load or reload last read it, or
  /// "" when none was (one stat() per file).
  [[nodiscard]] std::string geoip_changed() const { return geoip_watch_.changed(); }

  [[nodiscard]] const config::Config& config() const noexcept { return config_; }
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

 private:
  config::Config config_;
  StartSettings start_settings_;  // what a reload cannot change: compared against, never updated
  std::uint64_t generation_ = 1;
  /// The databases as the last load or reload found them when it started reading them.
  GeoipWatch geoip_watch_;
};

}  // namespace sgdns::app
