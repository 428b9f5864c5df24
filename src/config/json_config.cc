// SPDX-License-Identifier: MIT
// The JSON configuration file (docs/configuration.md): every key checked, every mistake named by its path.
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "defaults.h"
#include "dnstap_json.h"
#include "fleet_json.h"
#include "json_node.h"
#include "limits_json.h"
#include "policy_json.h"
#include "replication_json.h"
#include "sgdns/config/config.h"
#include "sgdns/config/file_digest.h"

namespace sgdns::config {

const std::vector<const char*>& top_level_keys() {
  static const std::vector<const char*> kKeys = {
      "listen",    "threads",         "identity", "zones",          "edns",    "tcp",   "transfer",
      "log_level", "geoip",           "ecs",      "default_region", "regions", "pools", "records",
      "checks",    "failover_budget", "admin",    "user",           "group",   "rrl",   "cookies",
      "dnstap",    "fleet",           "keys",     "journal"};
  return kKeys;
}

std::string resolve_path(const std::string& base_dir, const std::string& file) {
  if (file.empty() || file.front() == '/' || base_dir.empty()) return file;
  return base_dir + "/" + file;
}

namespace {

std::string bounded_text(const Node& n, std::size_t max, const char* why) {
  std::string text = n.string();
  if (text.size() > max) n.fail("at most " + std::to_string(max) + " bytes (" + why + ")");
  return text;
}

void read_identity(const Node& n, Config& c) {
  n.only({"nsid", "version", "id", "chaos"});
  if (n.has("nsid")) c.options.nsid = bounded_text(n["nsid"], kMaxNsid, "it goes into every reply that asks");
  if (n.has("version")) c.options.chaos_version = bounded_text(n["version"], kMaxChaosText, "one TXT string");
  if (n.has("id")) c.options.chaos_identity = bounded_text(n["id"], kMaxChaosText, "one TXT string");
  if (n.has("chaos")) c.options.chaos_enabled = n["chaos"].boolean();
}

/// "dnssec": {"keys": [{"file": "Kzone.+013+12345", "role": "csk", "signs": true}, ...]}
std::vector<ZoneKeySource> read_zone_keys(const Node& n, const std::string& base_dir) {
  n.only({"keys"});
  if (!n.has("keys")) n.fail("missing \"keys\"");
  Node keys = n["keys"];
  keys.array();
  if (keys.size() == 0) keys.fail("at least one key (a CSK, or a KSK and a ZSK)");
  std::vector<ZoneKeySource> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Node k = keys[i];
    k.only({"file", "role", "signs"});
    if (!k.has("file")) k.fail("missing \"file\"");
    ZoneKeySource key;
    key.file = resolve_path(base_dir, k["file"].string());
    if (k.has("role")) {
      const std::string role = k["role"].string();
      if (role == "csk")
        key.role = dnssec::KeyRole::Csk;
      else if (role == "ksk")
        key.role = dnssec::KeyRole::Ksk;
      else if (role == "zsk")
        key.role = dnssec::KeyRole::Zsk;
      else
        k["role"].fail("expected \"csk\", \"ksk\" or \"zsk\"");
    }
    if (k.has("signs")) key.signs = k["signs"].boolean();
    out.push_back(std::move(key));
  }
  return out;
}

void read_zones(const Node& n, Config& c, const std::string& base_dir) {
  n.array();
  for (std::size_t i = 0; i < n.size(); ++i) {
    Node z = n[i];
    z.only({"origin", "file", "dnssec", "transfer", "notify", "primary"});
    if (!z.has("origin")) z.fail("missing \"origin\"");
    if (!z.has("file")) z.fail("missing \"file\"");
    std::string origin = z["origin"].string();
    if (origin.empty()) z["origin"].fail("empty origin");
    if (origin.back() != '.') origin += '.';
    ZoneSource source{origin, resolve_path(base_dir, z["file"].string()), {}};
    read_zone_replication(z, source);
    if (z.has("dnssec")) {
      // A fetched zone replaces the loaded one unsigned (world::with_zone): refuse rather than serve a
      // signed zone that silently loses its signatures at the first transfer.
      if (source.replication.primary)
        z["dnssec"].fail("not supported on a secondary zone (one with \"primary\"): sign it on the primary");
      source.keys = read_zone_keys(z["dnssec"], base_dir);
    }
    c.zones.push_back(std::move(source));
  }
}

/// edns, tcp, rrl, cookies, transfer, dnstap and log_level, each on its own (a mistake in one does not hide
/// the next).
void read_transport(const Node& root, Config& c, Problems& problems, const std::string& base_dir) {
  problems.attempt([&] {
    if (!root.has("edns")) return;
    Node e = root["edns"];
    e.only({"max_payload"});
    if (e.has("max_payload"))
      c.options.edns_max_payload = static_cast<std::uint16_t>(e["max_payload"].integer(512, 4096));
  });
  problems.attempt([&] {
    if (root.has("tcp")) read_tcp(root["tcp"], c.tcp);
  });
  problems.attempt([&] {
    if (root.has("rrl")) read_rrl(root["rrl"], c.options.rrl);
  });
  problems.attempt([&] {
    if (root.has("cookies")) read_cookies(root["cookies"], c, base_dir);
  });
  problems.attempt([&] {
    if (!root.has("transfer")) return;
    Node t = root["transfer"];
    t.only({"allow"});
    Node allow = t["allow"];
    allow.array();
    for (std::size_t i = 0; i < allow.size(); ++i)
      c.options.axfr_allow.push_back(allow[i].parsed(dns::parse_prefix));
    c.axfr_allow_set = true;  // an empty list means no transfers at all
  });
  problems.attempt([&] {
    if (root.has("dnstap")) read_dnstap(root["dnstap"], c.dnstap, base_dir);
  });
  problems.attempt([&] {
    if (!root.has("log_level")) return;
    Node l = root["log_level"];
    if (!log::parse_level(l.string(), c.log_level)) l.fail("expected debug, info, warn or error");
  });
}

}  // namespace

Config parse_config_json(const std::string& text, const std::string& base_dir) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw ConfigError(std::string("invalid JSON: ") + e.what());
  }
  Config c;
  Node root(doc, "");
  // Each key is read on its own, so one pass reports every mistake (sgdns check), not just the first.
  Problems problems;
  problems.attempt([&] { root.only(top_level_keys()); });
  if (!root.value().is_object()) problems.throw_if_any();
  problems.attempt([&] {
    if (!root.has("admin")) return;
    Node a = root["admin"];
    a.only({"listen", "token_file", "read_token_file", "state_file", "tls_certificate", "tls_key"});
    if (a.has("listen")) c.admin.listen = a["listen"].parsed(dns::parse_socket_address);
    auto path = [&](const char* key, std::string& out) {
      if (a.has(key)) out = resolve_path(base_dir, a[key].string());
      if (a.has(key) && out.empty()) a[key].fail("expected a file name");
    };
    path("token_file", c.admin.token_file);
    path("read_token_file", c.admin.read_token_file);
    path("state_file", c.admin.state_file);
    path("tls_certificate", c.admin.tls_certificate);
    path("tls_key", c.admin.tls_key);
    if (!c.admin.tls_key.empty() && c.admin.tls_certificate.empty())
      a["tls_key"].fail("needs admin.tls_certificate");
  });
  problems.attempt([&] {
    if (root.has("user")) c.user = root["user"].parsed(parse_account_name);
  });
  problems.attempt([&] {
    if (root.has("group")) c.group = root["group"].parsed(parse_account_name);
  });
  problems.attempt([&] { read_policy(root, c.policy, base_dir); });
  problems.attempt([&] {
    if (!root.has("listen")) return;
    Node l = root["listen"];
    l.array();
    for (std::size_t i = 0; i < l.size(); ++i) c.listen.push_back(l[i].parsed(dns::parse_socket_address));
  });
  problems.attempt([&] {
    if (root.has("threads")) c.threads = static_cast<int>(root["threads"].integer(0, 256));
  });
  problems.attempt([&] {
    if (root.has("identity")) read_identity(root["identity"], c);
  });
  problems.attempt([&] {
    if (root.has("zones")) read_zones(root["zones"], c, base_dir);
  });
  read_transport(root, c, problems, base_dir);
  problems.attempt([&] {
    if (root.has("fleet")) read_fleet(root["fleet"], c.fleet, base_dir);
    if (c.fleet.shared_health) c.policy.health_sharing_ms = kFleetHeartbeatMs;
  });
  problems.attempt([&] {
    if (root.has("keys")) read_keys(root["keys"], c, base_dir);
  });
  problems.attempt([&] {
    if (root.has("journal")) read_journal(root["journal"], c, base_dir);
  });
  problems.throw_if_any();
  apply_defaults(c);
  return c;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  auto slash = path.rfind('/');
  std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  try {
    Config c = parse_config_json(text.str(), base_dir);
    c.config_file = path;
    c.config_sha256 = sha256_hex(text.str());
    return c;
  } catch (const ConfigErrors& e) {
    std::vector<std::string> named;
    for (const auto& p : e.problems()) named.push_back(path + ": " + p);
    throw ConfigErrors(std::move(named));
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

}  // namespace sgdns::config
