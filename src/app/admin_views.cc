// SPDX-License-Identifier: MIT
// Admin requests read and admin replies written (admin_views.h).
#include "admin_views.h"

#include <stdexcept>

#include "sgdns/app/build_info.h"
#include "sgdns/app/explain.h"
#include "sgdns/config/duration.h"
#include "world_report.h"

namespace sgdns::app {
namespace {

using nlohmann::json;

/// 0 means "no time at all" for every duration, never "forever": an override that never expires simply has no
/// expiry.
constexpr const char* kExpiresZero =
    "must be more than 0 (leave it out for an override that stays until cleared)";

}  // namespace

json override_json(const Override& o) {
  return {{"pool", o.pool},
          {"member", o.member},
          {"state", o.up ? "up" : "down"},
          {"reason", o.reason},
          {"set_at", o.set_at},
          {"expires", o.expires > 0 ? json(o.expires) : json(nullptr)}};
}

std::optional<admin::Response> read_override(const std::string& pool, const std::string& member,
                                             const json& body, double now, Override& out) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "state" && it.key() != "reason" && it.key() != "expires")
      return admin::error(400, it.key() + ": unknown key (expected state, reason, expires)");
  }
  if (!body.contains("state") || !body["state"].is_string() ||
      (body["state"] != "up" && body["state"] != "down"))
    return admin::error(400, "state: expected \"up\" or \"down\"");
  if (body.contains("reason") &&
      (!body["reason"].is_string() || body["reason"].get<std::string>().size() > 1024))
    return admin::error(400, "reason: expected a string of at most 1024 bytes");
  long expires_ms = 0;  // at most 366 days (the duration parser's bound): finite for the state file
  if (body.contains("expires")) {
    try {
      expires_ms = config::duration_ms_from_json(body["expires"]);
    } catch (const std::invalid_argument& e) {
      return admin::error(400, std::string("expires: ") + e.what());
    }
    if (expires_ms == 0) return admin::error(400, std::string("expires: ") + kExpiresZero);
  }
  out = Override{pool, member, body["state"] == "up", body.value("reason", ""), now, 0};
  if (body.contains("expires")) out.expires = out.set_at + static_cast<double>(expires_ms) / 1000;
  return std::nullopt;
}

json status_json(const engine::World& world, const StatusFacts& facts,
                 const std::map<std::string, Override>& overrides) {
  json out;
  const BuildInfo& build = build_info();
  out["version"] = {{"version", build.version}, {"commit", build.commit}, {"build_type", build.build_type}};
  out["generation"] = world.generation;
  out["started"] = facts.started;
  out["ready"] = facts.ready;
  if (!facts.fleet.is_null()) out["fleet"] = facts.fleet;
  out["config"] = {{"path", world.config_file.empty() ? json(nullptr) : json(world.config_file)},
                   {"sha256", world.config_sha256.empty() ? json(nullptr) : json(world.config_sha256)}};
  out["zones"] = zones_json(world);
  out["geoip"] = geoip_json(world);
  out["endpoints"] = json::array();
  for (const health::EndpointStatus& e : facts.endpoints) {
    json j = {{"name", e.name},
              {"address", e.address},
              {"state", e.up ? "up" : "down"},
              {"since", e.since},
              {"last_check", e.last_check > 0 ? json(e.last_check) : json(nullptr)},
              {"probes", e.probes},
              {"failures", e.failures}};
    if (e.last_check > 0)
      j["last_result"] = {{"ok", e.last_result.ok},
                          {"failure", health::failure_name(e.last_result.failure)},
                          {"detail", e.last_result.detail},
                          {"seconds", e.last_result.seconds},
                          {"http_status", e.last_result.http_status}};
    auto it = overrides.find(e.name);
    j["override"] = it == overrides.end() ? json(nullptr) : override_json(it->second);
    out["endpoints"].push_back(j);
  }
  out["overrides"] = json::array();
  std::map<std::string, json> by_key;
  for (const auto& [key, o] : overrides) {
    out["overrides"].push_back(override_json(o));
    by_key[key] = override_json(o);
  }
  out["pools"] = pools_json(world, by_key);
  out["records"] = records_json(world);
  if (world.policy)
    out["failover_budget_seconds"] = static_cast<double>(world.policy->failover_budget_ms) / 1000;
  return out;
}

admin::Response status_view(const engine::World& world, const StatusFacts& facts,
                            const std::map<std::string, Override>& overrides) {
  return {200, admin::json_text(status_json(world, facts, overrides), 2) + "\n"};
}

admin::Response overrides_view(const Overrides& overrides) {
  json list = json::array();
  for (const auto& [key, o] : overrides.all()) {
    json j = override_json(o);
    // An override kept across a reload that removed its member applies to nothing until it comes back.
    j["applies"] = overrides.applies(o);
    list.push_back(j);
  }
  return {200, admin::json_text(json{{"overrides", list}}, 2) + "\n"};
}

admin::Response reload_view(const Reloader::Outcome& r, bool dry_run) {
  if (!r.ok) return admin::error(422, r.message);
  json body = {{"result", r.message},
               {"dry_run", dry_run},
               {"generation", r.generation},
               {"changes", r.changes},
               {"warnings", r.warnings}};
  return {200, admin::json_text(body, 2) + "\n"};
}

admin::Response ready_view(bool ready, std::uint64_t generation) {
  if (!ready) return admin::error(503, "not ready: starting or stopping");
  return {200, admin::json_text(json{{"ready", true}, {"generation", generation}}) + "\n"};
}

admin::Response explain_view(const engine::World& world, const std::map<std::string, std::string>& params) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it == params.end() ? nullptr : &it->second;
  };
  if (!get("name")) return admin::error(400, "name: required");
  ExplainRequest req;
  req.name = *get("name");
  if (get("type")) req.type = *get("type");
  req.client = get("client") ? *get("client") : "127.0.0.1";
  if (get("ecs")) req.ecs = *get("ecs");
  try {
    return {200, app::explain(world, req) + "\n"};
  } catch (const std::invalid_argument& e) {
    return admin::error(400, e.what());
  }
}

}  // namespace sgdns::app
