// SPDX-License-Identifier: MIT
// What a reload changes and what it should warn about (private to app): zones and records added, removed
// or changed; settings that only a restart applies; zone content changed under an unchanged serial.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/engine/world.h"

namespace sgdns::app {

/// The settings read once at start (sockets, threads, the admin port's files): a reload cannot apply
/// them, so it compares against what the process started with, not against the last reload.
struct StartSettings {
  std::vector<std::string> listen;  // canonical "ADDR:PORT"
  std::string admin_listen;
  int threads = 0;
  config::TcpLimits tcp;
  std::size_t rrl_table_size = 0;
  std::string token_file;
  std::string state_file;
  std::string dnstap;  // "off", or its settings in one line
};

[[nodiscard]] StartSettings start_settings(const config::Config& config);

/// One line per served zone (for a signed one: how many RRsets its load signed, how many kept the
/// signatures of the version before) and the number of dynamic records, for the log.
[[nodiscard]] std::string describe(const engine::World& world);

/// What a reload from `before` to `after` changes: zones added, removed or with a new serial; dynamic
/// records added, removed or changed.
[[nodiscard]] nlohmann::json reload_changes(const engine::World& before, const engine::World& after);

/// What a reload should warn about: each restart-only setting that `next` changes (it keeps its value
/// until a restart), each zone whose content changed while its serial did not (secondaries would never
/// transfer it), and each serial that went backwards (RFC 1982: secondaries keep their newer copy).
[[nodiscard]] std::vector<std::string> reload_warnings(const StartSettings& running,
                                                       const config::Config& next,
                                                       const engine::World& before,
                                                       const engine::World& after);

}  // namespace sgdns::app
