// SPDX-License-Identifier: MIT
// Replication settings from JSON: TSIG key files, the journal, per-zone transfer ACLs, NOTIFY targets
// and primaries.
#include "replication_json.h"

#include "sgdns/dns/name.h"

namespace sgdns::config {

namespace {

/// A key name as the World indexes it: lowercase, with the trailing dot.
std::string key_name(const Node& n) {
  std::vector<std::uint8_t> wire;
  if (!dns::name_from_text(n.string(), wire)) n.fail("not a domain name");
  dns::name_to_lower(wire.data(), wire.size());
  return dns::name_to_text(wire.data());
}

engine::Peer read_peer(const Node& n) {
  n.only({"address", "key"});
  if (!n.has("address")) n.fail("missing \"address\" (ADDRESS:PORT)");
  engine::Peer p;
  p.address = n["address"].parsed(dns::parse_socket_address);
  if (n.has("key")) p.key = key_name(n["key"]);
  return p;
}

}  // namespace

void read_keys(const Node& n, Config& c, const std::string& base_dir) {
  n.array();
  for (std::size_t i = 0; i < n.size(); ++i) {
    Node k = n[i];
    k.only({"name", "file"});
    if (!k.has("name")) k.fail("missing \"name\"");
    if (!k.has("file")) k.fail("missing \"file\" (a BIND, Knot or NSD key file)");
    c.keys.push_back({key_name(k["name"]), resolve_path(base_dir, k["file"].string())});
  }
}

void read_journal(const Node& n, Config& c, const std::string& base_dir) {
  n.only({"dir", "max_changes", "max_bytes"});
  if (n.has("dir")) c.journal_dir = resolve_path(base_dir, n["dir"].string());
  if (n.has("max_changes"))
    c.journal_limits.max_changes = static_cast<std::size_t>(n["max_changes"].integer(0, 100'000));
  if (n.has("max_bytes"))
    c.journal_limits.max_bytes = static_cast<std::size_t>(n["max_bytes"].integer(4096, 1L << 40));
}

void read_zone_replication(const Node& z, ZoneSource& zone) {
  engine::ZoneReplication& r = zone.replication;
  if (z.has("transfer")) {
    Node t = z["transfer"];
    t.array();
    r.transfer_set = true;  // an empty list: nobody may transfer this zone
    for (std::size_t i = 0; i < t.size(); ++i) {
      Node rule = t[i];
      rule.only({"address", "key"});
      if (!rule.has("address") && !rule.has("key")) rule.fail("needs \"address\", \"key\" or both");
      engine::TransferRule tr;
      if (rule.has("address")) tr.prefix = rule["address"].parsed(dns::parse_prefix);
      if (rule.has("key")) tr.key = key_name(rule["key"]);
      r.transfer.push_back(std::move(tr));
    }
  }
  if (z.has("notify")) {
    Node t = z["notify"];
    t.array();
    for (std::size_t i = 0; i < t.size(); ++i) r.notify.push_back(read_peer(t[i]));
  }
  if (z.has("primary")) r.primary = read_peer(z["primary"]);
}

}  // namespace sgdns::config
