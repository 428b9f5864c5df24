// SPDX-License-Identifier: MIT
// The geo part of the JSON configuration: geoip, ecs, regions, pools, records -> policy::PolicySpec.
#include "policy_json.h"
#include "json_node.h"

namespace sgdns::config {
namespace {

using policy::Kind;

std::vector<std::string> strings(const Node& n) {
  n.array();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.size(); ++i) out.push_back(n[i].string());
  return out;
}

policy::RegionSpec read_region(const Node& n) {
  n.only({"location", "continents", "countries", "subdivisions", "asns", "cidrs", "fallback"});
  policy::RegionSpec r;
  if (n.has("location")) {
    Node l = n["location"];
    l.array();
    if (l.size() != 2) l.fail("expected [latitude, longitude]");
    r.location = std::pair{l[std::size_t{0}].number(), l[std::size_t{1}].number()};
  }
  if (n.has("continents")) r.continents = strings(n["continents"]);
  if (n.has("countries")) r.countries = strings(n["countries"]);
  if (n.has("subdivisions")) r.subdivisions = strings(n["subdivisions"]);
  if (n.has("asns")) {
    Node a = n["asns"];
    a.array();
    for (std::size_t i = 0; i < a.size(); ++i)
      r.asns.push_back(static_cast<std::uint32_t>(a[i].integer(1, 4294967295L)));
  }
  if (n.has("cidrs")) {
    Node c = n["cidrs"];
    c.array();
    for (std::size_t i = 0; i < c.size(); ++i) r.cidrs.push_back(c[i].parsed(dns::parse_prefix));
  }
  if (n.has("fallback")) r.fallback = strings(n["fallback"]);
  return r;
}

policy::PoolSpec read_pool(const Node& n) {
  n.only({"region", "members", "cname", "check", "check_address"});
  policy::PoolSpec p;
  if (n.has("region")) p.region = n["region"].string();
  if (n.has("cname")) p.cname = n["cname"].string();
  if (n.has("check")) p.check = n["check"].string();
  if (n.has("check_address")) p.check_address = n["check_address"].string();
  if (n.has("members")) {
    Node m = n["members"];
    m.array();
    for (std::size_t i = 0; i < m.size(); ++i) {
      Node e = m[i];
      policy::MemberSpec member;
      if (e.value().is_string()) {
        member.address = e.string();
      } else {
        e.only({"address", "weight"});
        if (!e.has("address")) e.fail("missing \"address\"");
        member.address = e["address"].string();
        if (e.has("weight")) member.weight = static_cast<std::uint32_t>(e["weight"].integer(1, 1'000'000));
      }
      p.members.push_back(member);
    }
  }
  return p;
}

Kind read_kind(const Node& n) {
  std::string k = n.string();
  if (k == "geo") return Kind::Geo;
  if (k == "nearest") return Kind::Nearest;
  if (k == "weighted") return Kind::Weighted;
  if (k == "failover") return Kind::Failover;
  if (k == "multivalue") return Kind::Multivalue;
  n.fail("expected geo, nearest, weighted, failover or multivalue");
}

policy::RecordSpec read_record(const Node& n) {
  n.only({"types", "ttl", "min_ttl", "policy", "pools", "max_answers", "fail_open"});
  policy::RecordSpec r;
  if (n.has("types")) {
    Node t = n["types"];
    auto types = strings(t);
    r.a = r.aaaa = false;
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (types[i] == "A")
        r.a = true;
      else if (types[i] == "AAAA")
        r.aaaa = true;
      else
        t[i].fail("expected \"A\" or \"AAAA\"");
    }
    if (!r.a && !r.aaaa) t.fail("expected at least one of \"A\", \"AAAA\"");
  }
  if (n.has("ttl")) r.ttl = static_cast<std::uint32_t>(n["ttl"].integer(0, 86400));
  if (n.has("policy")) r.kind = read_kind(n["policy"]);
  if (n.has("max_answers")) r.max_answers = static_cast<std::uint32_t>(n["max_answers"].integer(1, 16));
  if (n.has("fail_open")) r.fail_open = n["fail_open"].boolean();
  if (n.has("min_ttl")) r.min_ttl = static_cast<std::uint32_t>(n["min_ttl"].integer(0, 86400));
  if (!n.has("pools")) n.fail("missing \"pools\"");
  Node pools = n["pools"];
  pools.array();
  for (std::size_t i = 0; i < pools.size(); ++i) {
    Node p = pools[i];
    policy::PoolRef ref;
    if (p.value().is_string()) {
      ref.pool = p.string();
    } else {
      p.only({"pool", "weight"});
      if (!p.has("pool")) p.fail("missing \"pool\"");
      ref.pool = p["pool"].string();
      if (p.has("weight")) ref.weight = static_cast<std::uint32_t>(p["weight"].integer(1, 1'000'000));
    }
    r.pools.push_back(ref);
  }
  return r;
}

health::CheckSpec read_check(const Node& n) {
  n.only({"type", "port", "path", "expect", "body", "host", "verify_tls", "interval", "timeout", "fall",
          "rise", "start_up", "recheck", "jitter"});
  health::CheckSpec c;
  if (!n.has("type")) n.fail("missing \"type\" (tcp, http or https)");
  std::string type = n["type"].string();
  if (type == "tcp")
    c.type = health::CheckType::Tcp;
  else if (type == "http")
    c.type = health::CheckType::Http;
  else if (type == "https")
    c.type = health::CheckType::Https, c.port = 443;
  else
    n["type"].fail("expected tcp, http or https");
  if (n.has("port")) c.port = static_cast<std::uint16_t>(n["port"].integer(1, 65535));
  if (n.has("path")) c.path = n["path"].string();
  if (!c.path.empty() && c.path.front() != '/') n["path"].fail("must start with /");
  if (n.has("expect")) {
    Node e = n["expect"];
    e.array();
    c.expect.clear();
    for (std::size_t i = 0; i < e.size(); ++i) c.expect.push_back(static_cast<int>(e[i].integer(100, 599)));
  }
  if (n.has("body")) c.body_contains = n["body"].string();
  if (n.has("host")) c.host = n["host"].string();
  if (n.has("verify_tls")) c.verify_tls = n["verify_tls"].boolean();
  if (n.has("interval")) c.interval_ms = n["interval"].duration_ms();
  if (n.has("timeout")) c.timeout_ms = n["timeout"].duration_ms();
  if (n.has("recheck")) c.recheck_ms = n["recheck"].duration_ms();
  if (n.has("jitter")) c.jitter_ms = n["jitter"].duration_ms();
  if (n.has("fall")) c.fall = static_cast<int>(n["fall"].integer(1, 100));
  if (n.has("rise")) c.rise = static_cast<int>(n["rise"].integer(1, 100));
  if (n.has("start_up")) {
    std::string s = n["start_up"].string();
    if (s != "up" && s != "down") n["start_up"].fail("expected \"up\" or \"down\"");
    c.start_up = s == "up";
  }
  return c;
}

/// A geoip.databases entry: "PATH", or {"file": PATH, "fields": {"country": "country_code", ...}}.
geo::DatabaseSpec read_database(const Node& n, const std::string& base_dir) {
  if (n.value().is_string()) return {resolve_path(base_dir, n.string()), std::nullopt};
  n.only({"file", "fields"});
  if (!n.has("file")) n.fail("\"file\" is required");
  geo::DatabaseSpec db{resolve_path(base_dir, n["file"].string()), std::nullopt};
  if (!n.has("fields")) return db;
  geo::FieldPaths fields;
  n["fields"].each([&](const std::string& key, const Node& path) {
    const auto field = geo::field_by_name(key);
    if (!field)
      path.fail("unknown field (expected continent, country, subdivision, latitude, longitude or asn)");
    fields.paths[static_cast<std::size_t>(*field)].push_back(path.parsed(geo::parse_key_path));
  });
  if (fields.of(geo::Field::Latitude).empty() != fields.of(geo::Field::Longitude).empty())
    n["fields"].fail("latitude and longitude go together: name both or neither");
  db.fields = std::move(fields);
  return db;
}

void read_globals(const Node& root, policy::PolicySpec& spec, const std::string& base_dir) {
  if (root.has("geoip")) {
    Node g = root["geoip"];
    g.only({"databases", "check_interval"});
    if (g.has("databases")) {
      Node list = g["databases"];
      list.array();
      for (std::size_t i = 0; i < list.size(); ++i)
        spec.databases.push_back(read_database(list[i], base_dir));
    }
    // At least a second: the check is a stat() per file, but a file caught mid-write is refused and
    // retried at the next check, so checking much faster than files are written buys nothing.
    if (g.has("check_interval")) spec.geoip_check_interval_ms = g["check_interval"].duration_ms(1000);
  }
  if (root.has("ecs")) {
    Node e = root["ecs"];
    e.only({"trust"});
    if (e.has("trust")) {
      Node t = e["trust"];
      if (t.value().is_string()) {
        if (t.string() != "all") t.fail("expected \"all\" or a list of resolver prefixes");
      } else {
        t.array();
        spec.ecs.trust_all = false;
        for (std::size_t i = 0; i < t.size(); ++i) spec.ecs.trusted.push_back(t[i].parsed(dns::parse_prefix));
      }
    }
  }
  if (root.has("default_region")) spec.default_region = root["default_region"].string();
  if (root.has("failover_budget")) spec.failover_budget_ms = root["failover_budget"].duration_ms(1000);
}

}  // namespace

void read_policy(const Node& root, policy::PolicySpec& spec, const std::string& base_dir) {
  Problems problems;
  problems.attempt([&] { read_globals(root, spec, base_dir); });
  // Every check, region, pool and record is read on its own: one mistake does not hide the next.
  auto each = [&](const char* key, auto read) {
    problems.attempt([&] {
      if (!root.has(key)) return;
      root[key].each([&](const std::string& k, const Node& v) { problems.attempt([&] { read(k, v); }); });
    });
  };
  each("checks", [&](const std::string& k, const Node& v) { spec.checks[k] = read_check(v); });
  each("regions", [&](const std::string& k, const Node& v) { spec.regions[k] = read_region(v); });
  each("pools", [&](const std::string& k, const Node& v) { spec.pools[k] = read_pool(v); });
  each("records", [&](const std::string& k, const Node& v) { spec.records[k] = read_record(v); });
  problems.throw_if_any();
}

}  // namespace sgdns::config
