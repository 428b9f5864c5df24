// SPDX-License-Identifier: MIT
// Served digests, the quorum rule and the straggler report (fleet_status.h).
#include "fleet_status.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sgdns/config/file_digest.h"
#include "world_report.h"

namespace sgdns::app::fleet {
namespace {

using nlohmann::json;

std::string text_of(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The value most instances have, when more than half have it; "" otherwise (nothing to flag against).
std::string majority(const std::map<std::string, json>& instances, const char* key) {
  std::map<std::string, std::size_t> counts;
  for (const auto& [name, hb] : instances) ++counts[text_of(hb, key)];
  for (const auto& [value, n] : counts)
    if (2 * n > instances.size()) return value;
  return {};
}

}  // namespace

std::string served_config_digest(const engine::World& world) {
  if (world.config_file.empty()) return {};
  std::ifstream in(world.config_file);
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::exception&) {
    return {};
  }
  if (!doc.is_object()) return {};
  for (const char* local :
       {"listen", "threads", "identity", "admin", "user", "group", "dnstap", "log_level", "fleet"})
    doc.erase(local);
  if (doc.contains("cookies") && doc["cookies"].is_object()) doc["cookies"].erase("secret_file");
  // Files by what they hold, not where they are: zones by content, GeoIP databases in geoip_digest().
  if (doc.contains("geoip") && doc["geoip"].is_object()) doc["geoip"].erase("databases");
  json zones = json::array();
  for (const auto& z : world.zones.zones())
    zones.push_back({z->origin_text(), z->serial(), z->content_digest()});
  doc["zones"] = zones;
  return config::sha256_hex(doc.dump());
}

std::string geoip_digest(const engine::World& world) {
  json ids = json::array();
  for (json db : geoip_json(world)) {
    db.erase("path");  // where the file lives is the instance's business; what it holds is not
    ids.push_back(std::move(db));
  }
  return ids.empty() ? std::string() : config::sha256_hex(ids.dump());
}

bool down_by_quorum(int down, int reporting, int quorum) noexcept {
  if (reporting <= 0) return false;
  return down >= std::min(quorum, reporting);
}

std::string heartbeat_json(const Heartbeat& h) {
  json serials = json::object();
  for (const auto& [zone, serial] : h.serials) serials[zone] = serial;
  return json{{"instance", h.instance},
              {"nsid", h.nsid},
              {"version", h.version},
              {"commit", h.commit},
              {"config_digest", h.config_digest},
              {"geoip_digest", h.geoip_digest},
              {"serials", serials},
              {"shared_health", h.shared_health},
              {"health_disagreements", h.disagreements},
              {"started", h.started},
              {"heartbeat", h.time}}
      .dump();
}

json fleet_report(const std::map<std::string, json>& instances, const std::string& self, bool connected,
                  std::int64_t revision, double now, double stale_after) {
  const std::string config_majority = majority(instances, "config_digest");
  const std::string geoip_majority = majority(instances, "geoip_digest");
  std::map<std::string, std::uint64_t> newest;
  for (const auto& [name, hb] : instances) {
    auto s = hb.find("serials");
    if (s == hb.end() || !s->is_object()) continue;
    for (auto z = s->begin(); z != s->end(); ++z)
      if (z->is_number_unsigned()) newest[z.key()] = std::max(newest[z.key()], z->get<std::uint64_t>());
  }
  json list = json::array();
  std::size_t flagged = 0;
  for (const auto& [name, hb] : instances) {
    json entry = hb;
    json flags = json::array();
    if (!config_majority.empty() && text_of(hb, "config_digest") != config_majority)
      flags.push_back("config differs from the majority (" + config_majority.substr(0, 12) + ")");
    if (!geoip_majority.empty() && text_of(hb, "geoip_digest") != geoip_majority)
      flags.push_back("GeoIP data differs from the majority (" + geoip_majority.substr(0, 12) + ")");
    auto s = hb.find("serials");
    for (const auto& [zone, serial] : newest) {
      const bool has =
          s != hb.end() && s->is_object() && s->contains(zone) && (*s)[zone].is_number_unsigned();
      if (!has)
        flags.push_back("zone " + zone + " not served");
      else if ((*s)[zone].get<std::uint64_t>() < serial)
        flags.push_back("zone " + zone + " serial " + std::to_string((*s)[zone].get<std::uint64_t>()) +
                        " behind " + std::to_string(serial));
    }
    auto d = hb.find("health_disagreements");
    if (d != hb.end() && d->is_array() && !d->empty())
      flags.push_back("own probes disagree with the fleet on " + std::to_string(d->size()) + " member(s)");
    auto beat = hb.find("heartbeat");
    if (beat != hb.end() && beat->is_number() && now - beat->get<double>() > stale_after)
      flags.push_back("last heartbeat " + std::to_string(static_cast<long>(now - beat->get<double>())) +
                      "s ago");
    if (!flags.empty()) ++flagged;
    entry["flags"] = flags;
    entry["self"] = name == self;
    list.push_back(std::move(entry));
  }
  return {{"connected", connected},
          {"revision", revision},
          {"instance", self},
          {"instances", list},
          {"flagged", flagged}};
}

std::string fleet_table(const json& report) {
  if (!report.is_object() || !report.contains("instances") || !report["instances"].is_array())
    return "sgdns ctl: the server's /v1/fleet reply is not a fleet report\n";
  char line[512];
  std::string out;
  std::snprintf(line, sizeof line, "etcd %s, revision %lld\n",
                report.value("connected", false) ? "connected" : "UNREACHABLE (last known state)",
                static_cast<long long>(report.value("revision", std::int64_t{0})));
  out += line;
  std::snprintf(line, sizeof line, "%-2s %-20s %-10s %-12s %-12s %-28s %s\n", "", "INSTANCE", "VERSION",
                "CONFIG", "GEOIP", "SERIALS", "FLAGS");
  out += line;
  for (const json& i : report["instances"]) {
    if (!i.is_object()) continue;
    std::string serials;
    if (i.contains("serials") && i["serials"].is_object())
      for (auto z = i["serials"].begin(); z != i["serials"].end(); ++z)
        serials += (serials.empty() ? "" : ",") + z.key() + "=" + z->dump();
    const json flags = i.contains("flags") && i["flags"].is_array() ? i["flags"] : json::array();
    std::snprintf(line, sizeof line, "%-2s %-20s %-10s %-12s %-12s %-28s %zu\n",
                  i.value("self", false) ? "*" : "", text_of(i, "instance").c_str(),
                  text_of(i, "version").c_str(), text_of(i, "config_digest").substr(0, 12).c_str(),
                  text_of(i, "geoip_digest").substr(0, 12).c_str(), serials.c_str(), flags.size());
    out += line;
    for (const json& f : flags)
      if (f.is_string()) out += "     ! " + f.get<std::string>() + "\n";
  }
  std::snprintf(line, sizeof line, "%zu instance(s), %lld flagged\n", report["instances"].size(),
                static_cast<long long>(report.value("flagged", 0)));
  return out + line;
}

}  // namespace sgdns::app::fleet
