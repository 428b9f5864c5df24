// SPDX-License-Identifier: MIT
// GET /status: the status page's model gathered from GET /v1/status's document, the history of flips and
// reloads and the answer counters, then rendered (status_page.h). Runs on the control thread.
#include "admin_views.h"
#include "status_page.h"

namespace sgdns::app {

using nlohmann::json;

namespace {

/// The page refetches itself this often: an override or a probe flip shows within about a second, and
/// one render per second per open page costs the control side next to nothing.
constexpr long kRefreshMs = 1000;

json regions_model(const engine::World& world, const std::map<std::string, std::uint64_t>& answers) {
  json out = json::array();
  if (!world.policy) return out;
  const auto& regions = world.policy->regions;
  for (const policy::Region& r : regions) {
    json fallback = json::array();
    for (std::int32_t f : r.fallback)
      if (f >= 0 && static_cast<std::size_t>(f) < regions.size())
        fallback.push_back(regions[static_cast<std::size_t>(f)].name);
    auto it = answers.find(r.name);
    out.push_back(
        {{"name", r.name}, {"fallback", fallback}, {"answers", it == answers.end() ? 0 : it->second}});
  }
  return out;
}

}  // namespace

admin::Response status_page_view(const json& status, const StatusHistory& history,
                                 const std::map<std::string, std::uint64_t>& answers_by_region,
                                 const engine::World& world, double now) {
  json model = {{"now", now},
                {"started", status["started"]},
                {"generation", status["generation"]},
                {"version", status["version"]["version"]},
                {"refresh_ms", kRefreshMs},
                {"overrides", status["overrides"]},
                {"zones", status["zones"]}};
  std::map<std::string, json> last_results;
  for (const json& endpoint : status["endpoints"])
    if (endpoint.contains("last_result")) last_results[endpoint["name"]] = endpoint["last_result"];
  std::map<std::string, int> flip_counts;
  model["flips"] = json::array();
  for (const FlipEvent& f : history.recent_flips(now)) {
    ++flip_counts[f.endpoint];
    model["flips"].push_back({{"at", f.at}, {"endpoint", f.endpoint}, {"to", f.up ? "up" : "down"}});
  }
  model["pools"] = status["pools"];
  for (json& pool : model["pools"]) {
    for (json& member : pool["members"]) {
      // Probed endpoints are named "pool/address" (policy::ProbeTarget::name).
      const std::string endpoint =
          pool["name"].get<std::string>() + "/" + member["address"].get<std::string>();
      auto r = last_results.find(endpoint);
      member["last_result"] = r == last_results.end() ? json(nullptr) : r->second;
      member["flips"] = flip_counts[endpoint];
    }
  }
  model["reloads"] = json::array();
  for (const ReloadEvent& r : history.recent_reloads())
    model["reloads"].push_back({{"at", r.at},
                                {"trigger", r.trigger},
                                {"ok", r.ok},
                                {"generation", r.generation},
                                {"message", r.message}});
  model["regions"] = regions_model(world, answers_by_region);
  return {200, render_status_page(model), "text/html; charset=utf-8"};
}

}  // namespace sgdns::app
