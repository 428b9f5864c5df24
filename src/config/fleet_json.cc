// SPDX-License-Identifier: MIT
// The `fleet` key (docs/configuration.md): where etcd is and what this deployment's keys are called.
#include "fleet_json.h"

namespace sgdns::config {

namespace {

/// Longest key prefix: etcd keys may be 1.5 MiB, but ours are read in every status reply and log line.
constexpr std::size_t kMaxPrefix = 200;
/// Most instances in one fleet; the quorum cannot sensibly ask for more.
constexpr long kMaxQuorum = 64;

std::string endpoint(const Node& n) {
  std::string url = n.string();
  const bool http = url.starts_with("http://"), https = url.starts_with("https://");
  if (!http && !https) n.fail("expected http://HOST:PORT or https://HOST:PORT (etcd's client URL)");
  const std::string rest = url.substr(http ? 7 : 8);
  if (rest.empty() || rest.find_first_of(" \t\r\n?#") != std::string::npos ||
      rest.find('/') != std::string::npos)
    n.fail("expected scheme://HOST:PORT with no path (the /v3 gateway is added)");
  return url;
}

std::string prefix(const Node& n) {
  std::string p = n.string();
  if (p.size() < 2 || p.front() != '/' || p.size() > kMaxPrefix)
    n.fail(
        "expected a key prefix that starts with '/' and names the deployment, e.g. \"/sgdns/prod\" (at "
        "most " +
        std::to_string(kMaxPrefix) + " bytes)");
  for (unsigned char ch : p)
    if (ch < 0x21 || ch > 0x7e) n.fail("expected printable ASCII without spaces");
  while (p.size() > 1 && p.back() == '/') p.pop_back();  // the keys below add their own '/'
  return p;
}

}  // namespace

void read_fleet(const Node& n, FleetConfig& out, const std::string& base_dir) {
  n.only({"endpoints", "prefix", "instance", "tls", "credentials", "shared_health", "quorum"});
  if (!n.has("endpoints")) n.fail("missing \"endpoints\" (etcd's client URLs)");
  if (!n.has("prefix")) n.fail("missing \"prefix\" (the deployment's key prefix, e.g. \"/sgdns/prod\")");
  Node e = n["endpoints"];
  e.array();
  if (e.size() == 0) e.fail("expected at least one etcd endpoint");
  for (std::size_t i = 0; i < e.size(); ++i) out.endpoints.push_back(endpoint(e[i]));
  out.prefix = prefix(n["prefix"]);
  if (n.has("instance")) {
    out.instance = n["instance"].string();
    if (out.instance.empty() || out.instance.size() > kMaxNsid || out.instance.find('/') != std::string::npos)
      n["instance"].fail("expected 1 to " + std::to_string(kMaxNsid) + " bytes without '/'");
  }
  auto file = [&](const Node& parent, const char* key, std::string& to) {
    if (!parent.has(key)) return;
    to = resolve_path(base_dir, parent[key].string());
    if (to.empty()) parent[key].fail("expected a file name");
  };
  if (n.has("tls")) {
    Node t = n["tls"];
    t.only({"ca_file", "certificate", "key"});
    file(t, "ca_file", out.ca_file);
    file(t, "certificate", out.client_certificate);
    file(t, "key", out.client_key);
    if (!out.client_key.empty() && out.client_certificate.empty())
      t["key"].fail("needs fleet.tls.certificate");
  }
  if (n.has("credentials")) {
    Node c = n["credentials"];
    c.only({"username", "password_file"});
    if (!c.has("username") || !c.has("password_file"))
      c.fail("expected both \"username\" and \"password_file\"");
    out.username = c["username"].string();
    if (out.username.empty()) c["username"].fail("expected a user name");
    file(c, "password_file", out.password_file);
  }
  if (n.has("shared_health")) out.shared_health = n["shared_health"].boolean();
  if (n.has("quorum")) {
    if (!out.shared_health) n["quorum"].fail("only means something with \"shared_health\": true");
    out.quorum = static_cast<int>(n["quorum"].integer(1, kMaxQuorum));
  }
}

}  // namespace sgdns::config
