// SPDX-License-Identifier: MIT
// Explain: re-derives each decision of a dynamic answer with the same data the engine used, and reports
// the engine's actual reply beside it.
#include "sgdns/app/explain.h"

#include <arpa/inet.h>
#include <stdbool.h>  // before ldns, which otherwise defines a bool macro

#include <ldns/ldns.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "sgdns/admin/router.h"
#include "sgdns/config/config.h"
#include "sgdns/dns/address.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/prefix.h"
#include "sgdns/dns/types.h"
#include "sgdns/engine/engine.h"
#include "sgdns/engine/locate.h"
#include "sgdns/util/args.h"
#include "sgdns/world/build.h"

namespace sgdns::app {
namespace {

using json = nlohmann::ordered_json;

sockaddr_storage parse_address(const std::string& text) {
  try {
    return dns::parse_ip_address(text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("client: ") + e.what());
  }
}

void put16(std::vector<std::uint8_t>& v, unsigned x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

std::vector<std::uint8_t> build_query(const std::vector<std::uint8_t>& name, std::uint16_t type,
                                      const std::optional<dns::Prefix>& ecs) {
  std::vector<std::uint8_t> v = {0x5e, 0x11, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  v.insert(v.end(), name.begin(), name.end());
  put16(v, type);
  put16(v, dns::rrclass::kIN);
  std::vector<std::uint8_t> option;
  if (ecs) {
    auto bytes = static_cast<std::size_t>(ecs->length + 7) / 8;
    put16(option, dns::edns_opt::kECS);
    put16(option, static_cast<unsigned>(4 + bytes));
    put16(option, ecs->family == 4 ? 1 : 2);
    option.push_back(static_cast<std::uint8_t>(ecs->length));
    option.push_back(0);
    option.insert(option.end(), ecs->bytes, ecs->bytes + bytes);
  }
  v.insert(v.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0});
  put16(v, static_cast<unsigned>(option.size()));
  v.insert(v.end(), option.begin(), option.end());
  return v;
}

/// The address geo decisions are made on: the ECS address when it is used, else the resolver's.
sockaddr_storage located_address(const sockaddr_storage& client, const std::optional<dns::Prefix>& ecs) {
  if (!ecs) return client;
  sockaddr_storage out{};
  if (ecs->family == 4) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out);
    in4->sin_family = AF_INET;
    std::memcpy(&in4->sin_addr, ecs->bytes, 4);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, ecs->bytes, 16);
  }
  return out;
}

json location_json(const geo::Location& l) {
  json j = json::object();
  if (!l.continent.empty()) j["continent"] = l.continent;
  if (!l.country.empty()) j["country"] = l.country;
  if (!l.subdivision.empty()) j["subdivision"] = l.subdivision;
  if (!l.city.empty()) j["city"] = l.city;
  if (l.has_coordinates) j["coordinates"] = {l.latitude, l.longitude};
  if (l.asn) j["asn"] = l.asn;
  return j;
}

/// Why `address` maps to a region, in the compiler's precedence order.
json region_reason(const policy::Policy& p, policy::Kind kind, const sockaddr* address, json& network) {
  auto region_name = [&](std::int32_t r) { return p.regions[static_cast<std::size_t>(r)].name; };
  geo::Location loc;
  for (const std::string& db : p.location_databases) {
    if (auto found = geo::lookup_database(db, address)) {
      loc = found->location;
      network = {{"database", db}, {"prefix_length", found->prefix_length}, {"location", location_json(loc)}};
      break;
    }
  }
  std::uint32_t asn = 0;
  for (const std::string& db : p.asn_databases) {
    if (auto found = geo::lookup_database(db, address)) asn = found->location.asn;
  }
  if (asn) network["asn"] = asn;
  if (kind == policy::Kind::Geo) {
    for (auto it = p.cidr_map.rbegin(); it != p.cidr_map.rend(); ++it) {
      if (dns::address_in(std::span(&it->first, 1), address))
        return {
            {"rule", "cidr"}, {"matched", dns::prefix_text(it->first)}, {"region", region_name(it->second)}};
    }
    if (auto it = p.asn_map.find(std::to_string(asn)); asn && it != p.asn_map.end())
      return {{"rule", "asn"}, {"matched", asn}, {"region", region_name(it->second)}};
    for (const auto& [rule, map, key] : {std::tuple{"subdivision", &p.subdivision_map, loc.subdivision},
                                         std::tuple{"country", &p.country_map, loc.country},
                                         std::tuple{"continent", &p.continent_map, loc.continent}}) {
      if (auto it = map->find(key); !key.empty() && it != map->end())
        return {{"rule", rule}, {"matched", key}, {"region", region_name(it->second)}};
    }
  }
  if (loc.has_coordinates) {
    std::int32_t best = -1;
    double best_km = 0;
    for (std::size_t i = 0; i < p.regions.size(); ++i) {
      const policy::Region& r = p.regions[i];
      if (!r.has_location) continue;
      double km = geo::great_circle_km(loc.latitude, loc.longitude, r.latitude, r.longitude);
      if (best < 0 || km < best_km) best = static_cast<std::int32_t>(i), best_km = km;
    }
    if (best >= 0)
      return {
          {"rule", "nearest"}, {"distance_km", static_cast<long>(best_km)}, {"region", region_name(best)}};
  }
  return {{"rule", "default"}, {"region", region_name(p.default_region)}};
}

json pools_json(const engine::World& world, const policy::Record& rec, std::int32_t region) {
  const policy::Policy& p = *world.policy;
  const auto& order = (rec.kind == policy::Kind::Geo || rec.kind == policy::Kind::Nearest)
                          ? rec.order[static_cast<std::size_t>(region)]
                          : rec.pools;
  json out = json::array();
  for (std::int32_t index : order) {
    const policy::Pool& pool = p.pools[static_cast<std::size_t>(index)];
    json j = {{"pool", pool.name}};
    j["region"] =
        pool.region >= 0 ? json(p.regions[static_cast<std::size_t>(pool.region)].name) : json(nullptr);
    auto state = [&](std::uint32_t id) { return !world.health || world.health->up(id) ? "up" : "down"; };
    if (pool.is_cname()) {
      j["cname"] = dns::name_to_text(pool.cname.data());
      j["state"] = state(pool.cname_health_id);
    } else {
      j["members"] = json::array();
      for (const policy::Member& m : pool.members)
        j["members"].push_back({{"address", m.address}, {"weight", m.weight}, {"state", state(m.health_id)}});
    }
    out.push_back(j);
  }
  return out;
}

json reply_json(const std::uint8_t* wire, std::size_t size) {
  ldns_pkt* pkt = nullptr;
  if (size == 0 || ldns_wire2pkt(&pkt, wire, size) != LDNS_STATUS_OK) return nullptr;
  json j;
  ldns_lookup_table* rc = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(pkt));
  j["rcode"] = rc ? rc->name : "?";
  j["authoritative"] = static_cast<bool>(ldns_pkt_aa(pkt));
  for (const auto& [key, list] :
       {std::pair{"answer", ldns_pkt_answer(pkt)}, std::pair{"authority", ldns_pkt_authority(pkt)}}) {
    j[key] = json::array();
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
      char* s = ldns_rr2str(ldns_rr_list_rr(list, i));
      std::string text = s;
      free(s);
      if (!text.empty() && text.back() == '\n') text.pop_back();
      j[key].push_back(text);
    }
  }
  ldns_pkt_free(pkt);
  return j;
}

std::uint8_t scope_of(const std::uint8_t* wire, std::size_t size, bool& present) {
  // The ECS option is last in our replies: family(2) source(1) scope(1) address.
  present = false;
  ldns_pkt* pkt = nullptr;
  if (size == 0 || ldns_wire2pkt(&pkt, wire, size) != LDNS_STATUS_OK) return 0;
  std::uint8_t scope = 0;
  if (ldns_rdf* data = ldns_pkt_edns_data(pkt)) {
    const std::uint8_t* p = ldns_rdf_data(data);
    std::size_t n = ldns_rdf_size(data);
    for (std::size_t i = 0; i + 4 <= n;) {
      unsigned code = (p[i] << 8) | p[i + 1], len = (p[i + 2] << 8) | p[i + 3];
      if (code == dns::edns_opt::kECS && len >= 4 && i + 4 + len <= n) {
        present = true;
        scope = p[i + 7];
      }
      i += 4 + len;
    }
  }
  ldns_pkt_free(pkt);
  return scope;
}

}  // namespace

std::string explain(const engine::World& world, const ExplainRequest& req) {
  std::vector<std::uint8_t> name;
  if (!dns::name_from_text(req.name, name))
    throw std::invalid_argument("name: \"" + req.name + "\" is not a domain name");
  ldns_rr_type type = ldns_get_rr_type_by_name(req.type.c_str());
  if (type == 0) throw std::invalid_argument("type: \"" + req.type + "\" is not an RR type");
  sockaddr_storage client = parse_address(req.client);
  std::optional<dns::Prefix> ecs;
  if (req.ecs) {
    try {
      ecs = dns::parse_prefix(*req.ecs);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("ecs: ") + e.what());
    }
  }
  json out;
  out["query"] = {{"name", dns::name_to_text(name.data())}, {"type", req.type}};
  out["client"] = {{"address", req.client}, {"ecs", req.ecs ? json(*req.ecs) : json(nullptr)}};
  out["health"] = req.live_health
                      ? "live: the running server's probe results and operator overrides"
                      : "not seen: sgdns explain runs offline, without probes or overrides, so every "
                        "member shows as up; `sgdns ctl explain` asks the running server";

  engine::Scratch scratch;
  std::vector<std::uint8_t> reply(65535);
  engine::Client c{reinterpret_cast<const sockaddr*>(&client), engine::Transport::Tcp};
  engine::Reply r = engine::answer(world, build_query(name, type, ecs), c, scratch, reply);
  out["reply"] = reply_json(reply.data(), r.size);
  bool ecs_present = false;
  std::uint8_t scope = scope_of(reply.data(), r.size, ecs_present);
  out["ecs_scope"] = ecs_present ? json(scope) : json(nullptr);

  std::vector<std::uint8_t> lname = name;
  dns::name_to_lower(lname.data(), lname.size());
  const policy::Record* rec = world.policy ? world.policy->find(lname.data(), lname.size()) : nullptr;
  if (!rec) {
    out["record"] = nullptr;
    out["note"] = "no dynamic record at this name: the answer is the zone's static data";
    return admin::json_text(out, 2);
  }
  const policy::Policy& p = *world.policy;
  static constexpr const char* kKinds[] = {"geo", "nearest", "weighted", "failover", "multivalue"};
  out["record"] = {{"name", rec->name},
                   {"policy", kKinds[static_cast<int>(rec->kind)]},
                   {"ttl", rec->ttl},
                   {"max_answers", rec->max_answers},
                   {"fail_open", rec->fail_open}};
  bool use_ecs = ecs && engine::ecs_trusted(p, c.address);
  out["client"]["ecs_used"] = use_ecs;
  sockaddr_storage located = located_address(client, use_ecs ? ecs : std::nullopt);
  std::int32_t region = p.default_region;
  if (rec->kind == policy::Kind::Geo || rec->kind == policy::Kind::Nearest) {
    out["client"]["located_address"] = dns::ip_text(reinterpret_cast<const sockaddr*>(&located));
    json network = nullptr;
    if (use_ecs && ecs->length == 0) {
      out["region"] = {{"rule", "default"},
                       {"why", "ECS source prefix 0: no address information may be used"},
                       {"region", p.regions[static_cast<std::size_t>(region)].name}};
    } else {
      out["region"] = region_reason(p, rec->kind, reinterpret_cast<const sockaddr*>(&located), network);
      region = p.region_index(out["region"]["region"].get<std::string>());
    }
    out["network"] = network;
    engine::ClientRegion compiled = engine::locate_client(p, rec->kind, c, scratch.query);
    if (compiled.region != region)
      out["region"]["compiled_map_says"] = p.regions[static_cast<std::size_t>(compiled.region)].name;
  }
  out["pools"] = pools_json(world, *rec, region);
  return admin::json_text(out, 2);
}

int run_explain(int argc, const char* const* argv) {
  std::string config_file, client = "127.0.0.1";
  std::optional<std::string> ecs;
  std::vector<std::string> positional;
  static constexpr args::Flag kFlags[] = {
      {"--help"}, {"-h"}, {"--config", true}, {"--client", true}, {"--ecs", true}};
  for (args::Item& item : args::split(argc, argv, kFlags, true, "(see sgdns explain --help)")) {
    if (item.flag.empty())
      positional.push_back(std::move(item.value));
    else if (item.flag == "--config")
      config_file = item.value;
    else if (item.flag == "--client")
      client = item.value;
    else if (item.flag == "--ecs")
      ecs = item.value;
    else {  // --help, -h
      std::puts("Usage: sgdns explain --config FILE [--client IP] [--ecs ADDRESS/LENGTH] NAME [TYPE]");
      return 0;
    }
  }
  if (config_file.empty() || positional.empty() || positional.size() > 2)
    throw std::invalid_argument(
        "usage: sgdns explain --config FILE [--client IP] [--ecs ADDRESS/LENGTH] NAME [TYPE]");
  auto world = world::build_world(config::load_config_file(config_file), 1);
  ExplainRequest req{positional[0], positional.size() > 1 ? positional[1] : "A", client, ecs, false};
  std::puts(explain(*world, req).c_str());
  return 0;
}

}  // namespace sgdns::app
