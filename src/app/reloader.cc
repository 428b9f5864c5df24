// SPDX-License-Identifier: MIT
// Reloads: configuration and zones read again, a new World built and compared (reloader.h).
#include "reloader.h"

#include <exception>
#include <string>
#include <vector>

#include "sgdns/dns/cookie.h"
#include "sgdns/util/log.h"
#include "sgdns/world/build.h"

namespace sgdns::app {

Reloader::Reloader(config::Config config)
    : config_(std::move(config)), start_settings_(start_settings(config_)) {
  if (config_.cookie_secret_file.empty()) config_.options.cookies.secret = dns::random_cookie_secret();
}

namespace {

void remember_geoip_files(const config::Config& config, GeoipWatch& watch) {
  std::vector<std::string> paths;
  for (const auto& db : config.policy.databases) paths.push_back(db.path);
  watch.remember(paths);
}

}  // namespace

std::shared_ptr<engine::World> Reloader::first_world() {
  remember_geoip_files(config_, geoip_watch_);
  return sgdns::world::build_world(config_, generation_);
}

Reloader::Outcome Reloader::reload(const std::string& trigger, bool dry_run, const engine::World& serving) {
  const std::string what = dry_run ? "reload (dry run)" : "reload";
  log::info(what + ": started by " + trigger);
  // The running configuration's files as they are now, in case the new configuration does not parse: a
  // changed database is then not retried every check interval until someone fixes the configuration.
  if (!dry_run) remember_geoip_files(config_, geoip_watch_);
  try {
    config::Config next = config::reload_config(config_);
    if (next.cookie_secret_file.empty()) next.options.cookies.secret = config_.options.cookies.secret;
    // Stamped before they are read: a file replaced while this reload reads it is seen as changed at
    // the next check. Also when this reload fails, so a broken file is not retried every interval.
    if (!dry_run) remember_geoip_files(next, geoip_watch_);
    auto world = sgdns::world::build_world(next, generation_ + 1, &serving);
    nlohmann::json changes = reload_changes(serving, *world);
    std::vector<std::string> warnings = reload_warnings(start_settings_, next, serving, *world);
    for (const auto& w : warnings) log::warn(what + ": " + w);
    if (dry_run) {
      log::info(what + ": done, nothing changed; a reload would serve " + describe(*world));
      return {true, "dry run: nothing was changed", changes, generation_, warnings, nullptr};
    }
    log::set_level(next.log_level);
    config_ = std::move(next);
    ++generation_;
    // "reload: done" is logged by whoever installs it, once queries see it.
    return {true, "reloaded", changes, generation_, warnings, world};
  } catch (const std::exception& e) {
    std::string message = dry_run ? "reload (dry run): would be refused: " + std::string(e.what())
                                  : std::string("reload refused, still serving generation ") +
                                        std::to_string(generation_) + ": " + e.what();
    if (dry_run)
      log::warn(message);
    else
      log::error(message);
    return {false, message, nlohmann::json::array(), generation_, {}, nullptr};
  }
}

}  // namespace sgdns::app
