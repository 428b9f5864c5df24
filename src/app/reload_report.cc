// SPDX-License-Identifier: MIT
// Reload reports: the changes a new World brings, and the warnings an operator must see.
#include "reload_report.h"

#include "sgdns/dns/name.h"
#include "sgdns/util/duration_text.h"

namespace sgdns::app {

using nlohmann::json;

StartSettings start_settings(const config::Config& c) {
  StartSettings s;
  for (const auto& a : c.listen) s.listen.push_back(dns::to_string(a.get()));
  s.admin_listen = c.admin.listen ? dns::to_string(c.admin.listen->get()) : "off";
  s.threads = c.threads;
  s.tcp = c.tcp;
  s.rrl_table_size = c.options.rrl.table_size;
  s.token_file = c.admin.token_file;
  s.state_file = c.admin.state_file;
  const auto& d = c.dnstap;
  s.dnstap = !d.enabled()
                 ? "off"
                 : d.socket + ", 1 in " + std::to_string(d.sample) + (d.log_queries ? ", queries" : "") +
                       (d.log_responses ? ", responses" : "") + (d.identity.empty() ? "" : ", " + d.identity);
  return s;
}

std::string describe(const engine::World& world) {
  std::string out;
  for (const auto& z : world.zones.zones()) {
    if (!out.empty()) out += ", ";
    out += z->origin_text() + " serial " + std::to_string(z->serial()) + " (" +
           std::to_string(z->record_count()) + " records";
    // What the load cost in signatures: a reload signs only the RRsets that changed (docs/dnssec.md).
    if (const dnssec::SignedZone* s = world.signed_zone(z.get())) {
      const auto& stats = s->load_stats();
      out += ", DNSSEC: " + std::to_string(stats.signed_rrsets) + " RRsets signed, " +
             std::to_string(stats.kept_rrsets) + " kept their signatures";
    }
    out += ")";
  }
  if (out.empty()) out = "no zone yet (secondary zones not fetched)";
  if (world.policy) out += "; " + std::to_string(world.policy->records.size()) + " dynamic records";
  return out;
}

json reload_changes(const engine::World& before, const engine::World& after) {
  json changes = json::array();
  std::map<std::string, std::uint32_t> old_zones, new_zones;
  for (const auto& z : before.zones.zones()) old_zones[z->origin_text()] = z->serial();
  for (const auto& z : after.zones.zones()) new_zones[z->origin_text()] = z->serial();
  for (const auto& [origin, serial] : new_zones) {
    auto it = old_zones.find(origin);
    if (it == old_zones.end())
      changes.push_back("zone " + origin + " added, serial " + std::to_string(serial));
    else if (it->second != serial)
      changes.push_back("zone " + origin + " serial " + std::to_string(it->second) + " -> " +
                        std::to_string(serial));
  }
  for (const auto& [origin, serial] : old_zones) {
    if (!new_zones.count(origin)) changes.push_back("zone " + origin + " removed");
  }
  auto records = [](const engine::World& w) {
    std::map<std::string, std::string> out;  // name -> what it answers with, to spot changed records
    if (!w.policy) return out;
    for (const auto& r : w.policy->records) {
      std::string print = std::to_string(static_cast<int>(r.kind)) + "/" + std::to_string(r.ttl) + "/" +
                          std::to_string(r.min_ttl) + "/" + std::to_string(r.max_answers) +
                          (r.fail_open ? "/o" : "/c");
      for (std::size_t i = 0; i < r.pools.size(); ++i) {
        const policy::Pool& p = w.policy->pools[static_cast<std::size_t>(r.pools[i])];
        print += "|" + p.name + "*" + std::to_string(r.pool_weights[i]);
        if (p.is_cname()) print += ":" + dns::name_to_text(p.cname.data());
        for (const auto& m : p.members) print += "," + m.address + "*" + std::to_string(m.weight);
        if (p.check >= 0) {
          const health::CheckSpec& c = w.policy->checks[static_cast<std::size_t>(p.check)];
          print += "#" + w.policy->check_names[static_cast<std::size_t>(p.check)] +
                   std::to_string(c.interval_ms) + "/" + std::to_string(c.timeout_ms) + "/" +
                   std::to_string(c.fall) + "/" + std::to_string(c.rise) + "/" + std::to_string(c.port) +
                   c.path;
        }
      }
      out[r.name] = print;
    }
    return out;
  };
  auto old_records = records(before), new_records = records(after);
  for (const auto& [name, print] : new_records) {
    auto it = old_records.find(name);
    if (it == old_records.end())
      changes.push_back("record " + name + " added");
    else if (it->second != print)
      changes.push_back("record " + name + " changed (policy, pools, members or checks)");
  }
  for (const auto& [name, print] : old_records) {
    if (!new_records.count(name)) changes.push_back("record " + name + " removed");
  }
  return changes;
}

namespace {

std::string list_text(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& a : list) out += (out.empty() ? "" : ", ") + a;
  return "[" + out + "]";
}

std::string or_none(const std::string& s) {
  return s.empty() ? "none" : s;
}

/// RFC 1982 serial number arithmetic: true when `b` is older than `a`.
bool serial_older(std::uint32_t b, std::uint32_t a) {
  return b != a && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}

}  // namespace

std::vector<std::string> reload_warnings(const StartSettings& running, const config::Config& next,
                                         const engine::World& before, const engine::World& after) {
  std::vector<std::string> out;
  StartSettings n = start_settings(next);
  auto restart_only = [&](const char* key, const std::string& now, const std::string& wanted) {
    if (now != wanted)
      out.push_back(std::string(key) + " changes only at restart: still " + now +
                    ", the configuration says " + wanted);
  };
  restart_only("listen", list_text(running.listen), list_text(n.listen));
  restart_only("admin.listen", running.admin_listen, n.admin_listen);
  restart_only("threads", running.threads ? std::to_string(running.threads) : "one per core",
               n.threads ? std::to_string(n.threads) : "one per core");
  auto duration = [&](const char* key, long now, long wanted) {
    restart_only(key, util::duration_text(now), util::duration_text(wanted));
  };
  auto number = [&](const char* key, auto now, auto wanted) {
    restart_only(key, std::to_string(now), std::to_string(wanted));
  };
  duration("tcp.idle_timeout", running.tcp.idle_timeout_ms, n.tcp.idle_timeout_ms);
  duration("tcp.query_timeout", running.tcp.query_timeout_ms, n.tcp.query_timeout_ms);
  duration("tcp.reply_timeout", running.tcp.reply_timeout_ms, n.tcp.reply_timeout_ms);
  number("tcp.max_connections", running.tcp.max_connections, n.tcp.max_connections);
  number("tcp.max_per_source", running.tcp.max_per_source, n.tcp.max_per_source);
  number("tcp.max_pending", running.tcp.max_pending, n.tcp.max_pending);
  number("rrl.table_size", running.rrl_table_size, n.rrl_table_size);
  restart_only("admin.token_file", or_none(running.token_file), or_none(n.token_file));
  restart_only("admin.state_file", or_none(running.state_file), or_none(n.state_file));
  restart_only("dnstap", running.dnstap, n.dnstap);
  for (const auto& z : after.zones.zones()) {
    const zone::Zone* old = before.zones.exact(z->origin());
    if (!old) continue;
    // A content change under the same serial is refused by world::build_world, not warned about here.
    if (serial_older(z->serial(), old->serial()))
      out.push_back("zone " + z->origin_text() + ": the serial went backwards (" +
                    std::to_string(old->serial()) + " -> " + std::to_string(z->serial()) +
                    "): secondaries keep their newer copy");
  }
  return out;
}

}  // namespace sgdns::app
