// SPDX-License-Identifier: MIT
// Explain: runs one query through the engine with a trace (engine/trace.h) and prints what the engine
// recorded: where it placed the client and by which rule, each pool and member it considered and why it
// skipped them, and the answer it planned. The GeoIP record of the client's network is shown beside it
// as information only; nothing here decides anything again.
#include "sgdns/app/explain.h"

#include <arpa/inet.h>
#include <stdbool.h>  // before ldns, which otherwise defines a bool macro

#include <ldns/ldns.h>

#include <cstdio>
#include <cstdlib>
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
#include "sgdns/engine/trace.h"
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
  static constexpr std::uint8_t kHeader[] = {0x5e, 0x11, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};  // ID, QD 1, AR 1
  std::vector<std::uint8_t> v;
  v.reserve(sizeof kHeader + name.size() + 64);
  v.insert(v.end(), std::begin(kHeader), std::end(kHeader));
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

std::string type_text(std::uint16_t type) {
  char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
  std::string text = s ? s : "TYPE" + std::to_string(type);
  std::free(s);
  return text;
}

std::string rcode_text(std::uint16_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  return rcode < std::size(kNames) ? kNames[rcode] : "RCODE" + std::to_string(rcode);
}

/// One RDATA in presentation form: the types a zone here holds, RFC 3597's generic form for the rest.
std::string rdata_text(std::uint16_t type, const std::uint8_t* d, std::size_t n) {
  namespace t = dns::rrtype;
  if ((type == t::kA && n == 4) || (type == t::kAAAA && n == 16)) return dns::ip_text(n == 4 ? 4 : 6, d);
  if (type == t::kCNAME || type == t::kNS || type == t::kPTR) return dns::name_to_text(d);
  if (type == t::kMX && n > 2) return std::to_string((d[0] << 8) | d[1]) + " " + dns::name_to_text(d + 2);
  char hex[3];
  std::string out = "\\# " + std::to_string(n) + (n ? " " : "");
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, "%02X", d[i]);
    out += hex;
  }
  return out;
}

/// The lines of one planned RRset, "owner TTL IN TYPE RDATA" (tab-separated, as dig and ldns print).
void put_rrset(const engine::Plan& plan, const engine::PlanItem& item, json& lines) {
  const std::string prefix = dns::name_to_text(item.owner) + "\t" + std::to_string(item.ttl) + "\tIN\t";
  if (item.dynamic >= 0) {
    const engine::DynamicSet& set = plan.dynamic[static_cast<std::size_t>(item.dynamic)];
    for (std::size_t i = 0; i < set.count; ++i)
      lines.push_back(prefix + type_text(set.type) + "\t" + rdata_text(set.type, set.rdata[i], set.rdlen[i]));
    return;
  }
  for (const auto rr : item.zone->rdata(*item.rrset))
    lines.push_back(prefix + type_text(item.rrset->type) + "\t" +
                    rdata_text(item.rrset->type, rr.data, rr.size));
}

/// The answer the engine planned (the reply is written from this plan), not a parse of the reply.
json reply_json(const engine::Reply& r, const engine::Plan& plan) {
  json j;
  j["rcode"] = rcode_text(r.rcode);
  j["authoritative"] = plan.authoritative && r.outcome != engine::Outcome::Refused;
  j["answer"] = json::array();
  j["authority"] = json::array();
  for (std::size_t i = 0; i < plan.answer_count; ++i) put_rrset(plan, plan.answer[i], j["answer"]);
  for (std::size_t i = 0; i < plan.authority_count; ++i) put_rrset(plan, plan.authority[i], j["authority"]);
  return j;
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

/// What the GeoIP databases hold for `address`: information for the reader, never an input to the
/// decision (the engine placed the client with the compiled prefix maps).
json network_json(const policy::Policy& p, const sockaddr* address) {
  json network = nullptr;
  for (const geo::DatabaseSpec& db : p.location_databases) {
    if (auto found = geo::lookup_database(db, address)) {
      network = {{"database", db.path},
                 {"prefix_length", found->prefix_length},
                 {"location", location_json(found->location)}};
      break;
    }
  }
  for (const geo::DatabaseSpec& db : p.asn_databases) {
    if (auto found = geo::lookup_database(db, address); found && found->location.asn) {
      if (network.is_null()) network = json::object();
      network["asn"] = found->location.asn;
    }
  }
  return network;
}

/// The address the engine placed: the ECS address when it used ECS, else the resolver's.
sockaddr_storage placed_address(const sockaddr_storage& client, const dns::Query& q, bool from_ecs) {
  if (!from_ecs) return client;
  sockaddr_storage out{};
  if (q.edns.ecs.family == 1) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out);
    in4->sin_family = AF_INET;
    std::memcpy(&in4->sin_addr, q.edns.ecs.address, 4);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, q.edns.ecs.address, 16);
  }
  return out;
}

/// `address` cut to its first `length` bits.
dns::Prefix prefix_at(const sockaddr* address, int length) {
  dns::Prefix p;
  p.family = address->sa_family == AF_INET ? 4 : 6;
  p.length = length;
  const auto* bytes =
      p.family == 4
          ? reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr)
          : reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  for (int bit = 0; bit < length; ++bit)
    p.bytes[bit / 8] |= static_cast<std::uint8_t>(bytes[bit / 8] & (0x80 >> (bit % 8)));
  return p;
}

/// The region the engine chose and the rule that chose it (trace), with what the rule matched taken from
/// the network's GeoIP record or the prefix that decided.
json region_json(const policy::Policy& p, const engine::ClientRegion& where, const sockaddr* placed,
                 const json& network) {
  const policy::LocateRule rule = where.rule();
  json j = {{"rule", policy::rule_name(rule)},
            {"region", p.regions[static_cast<std::size_t>(where.region())].name},
            {"from_ecs", where.from_ecs},
            {"decided_by_prefix_length", where.scope}};
  switch (rule) {
    case policy::LocateRule::Cidr:
      // The compiled map stops at the configured prefix (or inside it, where another mapping splits it).
      j["matched"] = dns::prefix_text(prefix_at(placed, where.scope));
      break;
    case policy::LocateRule::Asn:
      if (network.is_object() && network.contains("asn")) j["matched"] = network["asn"];
      break;
    case policy::LocateRule::Default:
      if (where.from_ecs && where.scope == 0)
        j["why"] = "ECS source prefix 0: no address information may be used";
      break;
    default: {
      // Subdivision, country, continent, nearest: the field of the network's location the rule read.
      static constexpr const char* kField[policy::kLocateRules] = {
          nullptr, nullptr, nullptr, "subdivision", "country", "continent", "coordinates"};
      const char* field = kField[static_cast<std::size_t>(rule)];
      if (network.is_object() && network.contains("location") && network["location"].contains(field))
        j["matched"] = network["location"][field];
    }
  }
  return j;
}

/// The pools of one decision in the order the engine tried them, each with its verdict and members.
json pools_json(const policy::Policy& p, const engine::TraceStep& step) {
  json out = json::array();
  for (const engine::TraceStep::Pool& traced : step.pools) {
    const policy::Pool& pool = p.pools[static_cast<std::size_t>(traced.pool)];
    json j = {{"pool", pool.name}};
    j["region"] =
        pool.region >= 0 ? json(p.regions[static_cast<std::size_t>(pool.region)].name) : json(nullptr);
    j["verdict"] = engine::verdict_name(traced.verdict);
    if (pool.is_cname()) {
      j["cname"] = dns::name_to_text(pool.cname.data());
      j["state"] = traced.up ? "up" : "down";
    } else {
      j["members"] = json::array();
      for (std::size_t i = 0; i < pool.members.size(); ++i) {
        const policy::Member& m = pool.members[i];
        const engine::TracedMember& t = traced.members[i];
        json member = {{"address", m.address}, {"weight", m.weight}, {"state", t.up ? "up" : "down"}};
        if (t.other_family)
          member["skipped"] = "other address family";
        else if (!t.up)
          member["skipped"] = "down";
        j["members"].push_back(member);
      }
    }
    out.push_back(j);
  }
  return out;
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

  engine::Trace trace;
  engine::Scratch scratch;
  scratch.trace = &trace;
  std::vector<std::uint8_t> reply(65535);
  engine::Client c{reinterpret_cast<const sockaddr*>(&client), engine::Transport::Tcp};
  const engine::Reply r = engine::answer(world, build_query(name, type, ecs), c, scratch, reply);
  out["reply"] = reply_json(r, scratch.plan);
  out["ecs_scope"] = scratch.query.edns.has_ecs ? json(scratch.plan.ecs_scope) : json(nullptr);

  if (trace.steps.empty()) {
    out["record"] = nullptr;
    out["note"] = "no dynamic record answered this name: the answer is the zone's static data";
    return admin::json_text(out, 2);
  }
  const policy::Policy& p = *world.policy;
  const engine::TraceStep& step = trace.steps.front();
  const policy::Record& rec = p.records[static_cast<std::size_t>(step.record)];
  static constexpr const char* kKinds[] = {"geo", "nearest", "weighted", "failover", "multivalue"};
  out["record"] = {{"name", rec.name},
                   {"policy", kKinds[static_cast<int>(rec.kind)]},
                   {"ttl", rec.ttl},
                   {"max_answers", rec.max_answers},
                   {"fail_open", rec.fail_open}};
  out["client"]["ecs_used"] = step.located && step.where.from_ecs;
  if (step.located) {
    const sockaddr_storage placed = placed_address(client, scratch.query, step.where.from_ecs);
    const auto* placed_sa = reinterpret_cast<const sockaddr*>(&placed);
    out["client"]["located_address"] = dns::ip_text(placed_sa);
    const json network = network_json(p, placed_sa);
    out["region"] = region_json(p, step.where, placed_sa, network);
    out["network"] = network;
  }
  out["pools"] = pools_json(p, step);
  out["chosen"] =
      step.chosen >= 0 ? json(p.pools[static_cast<std::size_t>(step.chosen)].name) : json(nullptr);
  out["fail_open"] = step.fail_open;
  if (trace.steps.size() > 1) {
    // A CNAME chain through a second dynamic name: its decision in the same form.
    const engine::TraceStep& next = trace.steps[1];
    out["then"] = {{"record", p.records[static_cast<std::size_t>(next.record)].name},
                   {"pools", pools_json(p, next)},
                   {"chosen", next.chosen >= 0 ? json(p.pools[static_cast<std::size_t>(next.chosen)].name)
                                               : json(nullptr)}};
  }
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
