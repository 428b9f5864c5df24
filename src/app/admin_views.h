// SPDX-License-Identifier: MIT
// The admin API's views (app-private): admin requests read into what the control pieces take, and their
// state written out as the JSON replies docs/operations.md describes. Pure functions of what they are
// given, so each reply is tested without a server.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "overrides.h"
#include "overrides_store.h"
#include "reloader.h"
#include "sgdns/admin/router.h"
#include "sgdns/engine/world.h"
#include "sgdns/health/prober.h"
#include "status_history.h"

namespace sgdns::app {

/// One override as the API shows it.
[[nodiscard]] nlohmann::json override_json(const Override& o);

/// The body of PUT /v1/overrides/POOL/MEMBER read into `out` (set at `now`, unix seconds), or the 400
/// that says what is wrong with it.
[[nodiscard]] std::optional<admin::Response> read_override(const std::string& pool, const std::string& member,
                                                           const nlohmann::json& body, double now,
                                                           Override& out);

/// What the server is, serves and probes (GET /v1/status).
struct StatusFacts {
  double started = 0;  // unix seconds
  bool ready = false;
  std::vector<health::EndpointStatus> endpoints;  // the prober's view
  nlohmann::json fleet;                           // the fleet link's state; null without a fleet
};
[[nodiscard]] nlohmann::json status_json(const engine::World& world, const StatusFacts& facts,
                                         const std::map<std::string, Override>& overrides);
[[nodiscard]] admin::Response status_view(const engine::World& world, const StatusFacts& facts,
                                          const std::map<std::string, Override>& overrides);

/// GET /status: the HTML status page (status_page.h), drawn from GET /v1/status's document, the recent
/// flips and reloads and the answers counted by region, at `now` (unix seconds).
[[nodiscard]] admin::Response status_page_view(const nlohmann::json& status, const StatusHistory& history,
                                               const std::map<std::string, std::uint64_t>& answers_by_region,
                                               const engine::World& world, double now);

/// GET /v1/overrides: each with whether it applies to a member of the served World.
[[nodiscard]] admin::Response overrides_view(const Overrides& overrides);

/// POST /v1/reload (and ?dry_run=1).
[[nodiscard]] admin::Response reload_view(const Reloader::Outcome& r, bool dry_run);

/// GET /v1/ready.
[[nodiscard]] admin::Response ready_view(bool ready, std::uint64_t generation);

/// GET /v1/explain over the served World (explain.h): name, type, client and ecs parameters.
[[nodiscard]] admin::Response explain_view(const engine::World& world,
                                           const std::map<std::string, std::string>& params);

}  // namespace sgdns::app
