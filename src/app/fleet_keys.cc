// SPDX-License-Identifier: MIT
// The fleet's key layout and strict value readers (fleet_keys.h).
#include "fleet_keys.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace sgdns::app::fleet {
namespace {

using nlohmann::json;

/// Longest pool or member name read back (the admin API's own limit, router.h kMaxName).
constexpr std::size_t kMaxName = 255;
/// Longest reason or requester read back: the admin API caps the body at 64 KiB; 4 KiB is plenty to log.
constexpr std::size_t kMaxText = 4096;

std::string escape_segment(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%')
      out += "%25";
    else if (ch == '/')
      out += "%2F";
    else
      out += ch;
  }
  return out;
}

std::string unescape_segment(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && s.compare(i, 3, "%25") == 0) {
      out += '%';
      i += 2;
    } else if (s[i] == '%' && s.compare(i, 3, "%2F") == 0) {
      out += '/';
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

json parse_object(const std::string& text, const char* what) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string(what) + ": not JSON: " + e.what());
  }
  if (!doc.is_object()) throw std::runtime_error(std::string(what) + ": expected a JSON object");
  return doc;
}

std::string text_at(const json& o, const char* key, std::size_t max, bool required, const char* what) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) throw std::runtime_error(std::string(what) + ": missing \"" + key + "\"");
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().size() > max)
    throw std::runtime_error(std::string(what) + ": \"" + key + "\" is not a string of at most " +
                             std::to_string(max) + " bytes");
  return it->get<std::string>();
}

double time_at(const json& o, const char* key, const char* what) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0)
    throw std::runtime_error(std::string(what) + ": \"" + key + "\" is not a time");
  return it->get<double>();
}

}  // namespace

std::string override_key(const std::string& prefix, const std::string& pool, const std::string& member) {
  return prefix + "/overrides/" + escape_segment(pool) + "/" + escape_segment(member);
}

std::string audit_key(const std::string& prefix, double time, const std::string& instance) {
  char stamp[32];
  // Zero-padded microseconds: keys sort by time, so a range read lists the audit trail in order.
  std::snprintf(stamp, sizeof stamp, "%020" PRIu64, static_cast<std::uint64_t>(time * 1e6));
  return prefix + "/audit/" + stamp + "-" + escape_segment(instance);
}

std::string instance_key(const std::string& prefix, const std::string& instance) {
  return prefix + "/instances/" + escape_segment(instance);
}

std::string health_key(const std::string& prefix, const std::string& instance) {
  return prefix + "/health/" + escape_segment(instance);
}

ParsedKey parse_key(const std::string& prefix, const std::string& key) {
  if (key.size() <= prefix.size() + 1 || key.compare(0, prefix.size(), prefix) != 0 ||
      key[prefix.size()] != '/')
    return {};
  const std::string rest = key.substr(prefix.size() + 1);
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return {};
  const std::string kind = rest.substr(0, slash), tail = rest.substr(slash + 1);
  if (tail.empty()) return {};
  if (kind == "overrides") {
    const auto mid = tail.find('/');
    if (mid == std::string::npos || mid == 0 || mid + 1 == tail.size() ||
        tail.find('/', mid + 1) != std::string::npos)
      return {};
    return {KeyKind::Override,
            unescape_segment(tail.substr(0, mid)) + "/" + unescape_segment(tail.substr(mid + 1))};
  }
  if (tail.find('/') != std::string::npos) return {};
  if (kind == "instances") return {KeyKind::Instance, unescape_segment(tail)};
  if (kind == "health") return {KeyKind::Health, unescape_segment(tail)};
  if (kind == "audit") return {KeyKind::Audit, tail};
  return {};
}

std::string override_value(const StoredOverride& s) {
  json v = {{"pool", s.o.pool},       {"member", s.o.member},    {"state", s.o.up ? "up" : "down"},
            {"reason", s.o.reason},   {"set_at", s.o.set_at},    {"expires", s.o.expires},
            {"instance", s.instance}, {"requester", s.requester}};
  return v.dump();
}

StoredOverride parse_override_value(const std::string& text) {
  const char* what = "override";
  const json v = parse_object(text, what);
  StoredOverride s;
  s.o.pool = text_at(v, "pool", kMaxName, true, what);
  s.o.member = text_at(v, "member", kMaxName, true, what);
  if (s.o.pool.empty() || s.o.member.empty()) throw std::runtime_error("override: empty pool or member");
  const std::string state = text_at(v, "state", 8, true, what);
  if (state != "up" && state != "down") throw std::runtime_error("override: \"state\" is not up or down");
  s.o.up = state == "up";
  s.o.reason = text_at(v, "reason", kMaxText, false, what);
  s.o.set_at = time_at(v, "set_at", what);
  s.o.expires = time_at(v, "expires", what);
  s.instance = text_at(v, "instance", kMaxText, false, what);
  s.requester = text_at(v, "requester", kMaxText, false, what);
  return s;
}

std::string audit_value(const std::string& action, const Override& o, const std::string& instance,
                        const std::string& requester, double time) {
  json v = {{"action", action},       {"pool", o.pool}, {"member", o.member}, {"instance", instance},
            {"requester", requester}, {"time", time},   {"reason", o.reason}};
  if (action == "set") {
    v["state"] = o.up ? "up" : "down";
    v["expires"] = o.expires;
  }
  return v.dump();
}

std::string health_value(const std::map<std::string, bool>& members, double time) {
  json m = json::object();
  for (const auto& [name, up] : members) m[name] = up ? "up" : "down";
  return json{{"members", m}, {"time", time}}.dump();
}

std::map<std::string, bool> parse_health_value(const std::string& text) {
  const json v = parse_object(text, "health report");
  auto it = v.find("members");
  if (it == v.end() || !it->is_object())
    throw std::runtime_error("health report: \"members\" is not an object");
  std::map<std::string, bool> out;
  for (auto m = it->begin(); m != it->end(); ++m) {
    if (!m->is_string() || (*m != "up" && *m != "down"))
      throw std::runtime_error("health report: member state is not up or down");
    out[m.key()] = *m == "up";
  }
  return out;
}

nlohmann::json parse_instance_value(const std::string& text) {
  json v = parse_object(text, "heartbeat");
  (void)text_at(v, "instance", kMaxText, true, "heartbeat");
  return v;
}

}  // namespace sgdns::app::fleet
