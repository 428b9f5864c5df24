// SPDX-License-Identifier: MIT
// The fleet's keys in etcd and what their values hold (app-private). Under the deployment's prefix:
//   overrides/<pool>/<member>   one operator override, with its audit facts (instance, requester, time,
//                               reason); under a lease when it expires
//   audit/<µs since epoch>-<instance>   one entry per change (set or clear), kept
//   instances/<instance>        the instance's heartbeat (heartbeat_json), under its lease
//   health/<instance>           its own probe states per member (shared_health), under its lease
// Pool and member names are %-escaped in keys ('/' and '%'), so every name maps to one key. Values are
// read back from etcd, i.e. outside input: the readers check every field and throw std::runtime_error.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "overrides_store.h"

namespace sgdns::app::fleet {

enum class KeyKind { Override, Audit, Instance, Health, Other };

struct ParsedKey {
  KeyKind kind = KeyKind::Other;
  std::string name;  // the instance, or "pool/member" for an override
};

[[nodiscard]] std::string override_key(const std::string& prefix, const std::string& pool,
                                       const std::string& member);
[[nodiscard]] std::string audit_key(const std::string& prefix, double time, const std::string& instance);
[[nodiscard]] std::string instance_key(const std::string& prefix, const std::string& instance);
[[nodiscard]] std::string health_key(const std::string& prefix, const std::string& instance);
[[nodiscard]] ParsedKey parse_key(const std::string& prefix, const std::string& key);

/// An override as stored: the override plus who set it where.
struct StoredOverride {
  Override o;
  std::string instance;
  std::string requester;
};
[[nodiscard]] std::string override_value(const StoredOverride& s);
[[nodiscard]] StoredOverride parse_override_value(const std::string& text);

/// One audit entry: action "set" or "clear".
[[nodiscard]] std::string audit_value(const std::string& action, const Override& o,
                                      const std::string& instance, const std::string& requester, double time);

/// A health report: "pool/member" -> up.
[[nodiscard]] std::string health_value(const std::map<std::string, bool>& members, double time);
[[nodiscard]] std::map<std::string, bool> parse_health_value(const std::string& text);

/// A heartbeat as read back: checked to be a JSON object with a string "instance".
[[nodiscard]] nlohmann::json parse_instance_value(const std::string& text);

}  // namespace sgdns::app::fleet
