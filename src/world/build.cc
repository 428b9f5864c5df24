// SPDX-License-Identifier: MIT
// World construction from a Config: policy, zones (with their dynamic owners), cookie secrets.
#include "sgdns/world/build.h"

#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "sgdns/dns/name.h"
#include "sgdns/dns/serial.h"
#include "sgdns/util/log.h"
#include "sgdns/zone/error.h"
#include "sgdns/zone/journal.h"
#include "sgdns/zone/zone.h"
#include "signing.h"

namespace sgdns::world {

using config::Config;
using config::ConfigError;
using config::Problems;
using config::ZoneSource;

namespace {

/// Each dynamic record goes to the served zone with the longest origin containing it.
std::vector<std::vector<zone::DynamicOwner>> dynamic_owners(const Config& config,
                                                            const policy::Policy* policy) {
  std::vector<std::vector<zone::DynamicOwner>> out(config.zones.size());
  if (!policy) return out;
  Problems problems;
  std::vector<std::vector<std::uint8_t>> origins;
  for (const ZoneSource& z : config.zones) {
    std::vector<std::uint8_t> wire;
    if (!dns::name_from_text(z.origin, wire))
      throw ConfigError("zone \"" + z.origin + "\": not a domain name");
    dns::name_to_lower(wire.data(), wire.size());
    origins.push_back(std::move(wire));
  }
  for (std::size_t r = 0; r < policy->records.size(); ++r) {
    const policy::Record& rec = policy->records[r];
    int best = -1;
    for (std::size_t z = 0; z < origins.size(); ++z) {
      if (dns::is_subdomain(rec.owner.data(), origins[z].data()) &&
          (best < 0 || origins[z].size() > origins[static_cast<std::size_t>(best)].size()))
        best = static_cast<int>(z);
    }
    if (best < 0) {
      problems.add("records.\"" + rec.name + "\": not in any served zone");
      continue;
    }
    out[static_cast<std::size_t>(best)].push_back({rec.owner, static_cast<std::int32_t>(r)});
  }
  problems.throw_if_any();
  return out;
}

void read_keys(const Config& config, engine::World& world, Problems& problems) {
  for (const config::KeySource& k : config.keys) {
    problems.attempt([&] {
      std::ifstream in(k.file);
      if (!in) throw ConfigError("key " + k.name + ": " + k.file + ": cannot read");
      std::stringstream text;
      text << in.rdbuf();
      std::vector<dns::TsigKey> found;
      try {
        found = dns::parse_tsig_key_file(text.str());
      } catch (const std::exception& e) {
        throw ConfigError("key " + k.name + ": " + k.file + ": " + e.what());
      }
      for (dns::TsigKey& key : found) {
        if (key.name_text != k.name) continue;
        world.keys[k.name] = std::move(key);
        return;
      }
      throw ConfigError("key " + k.name + ": " + k.file + " holds no key of that name");
    });
  }
  for (const ZoneSource& z : config.zones) {
    auto check = [&](const std::string& key, const char* where) {
      if (!key.empty() && !world.keys.count(key))
        problems.add("zone \"" + z.origin + "\": " + where + " names key " + key +
                     ", which \"keys\" does not define");
    };
    for (const auto& rule : z.replication.transfer) check(rule.key, "transfer");
    for (const auto& peer : z.replication.notify) check(peer.key, "notify");
    if (z.replication.primary) check(z.replication.primary->key, "primary");
  }
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

const zone::Zone* same_origin(const engine::World& world, const zone::Zone& z) {
  return world.zones.exact(z.origin());
}

/// The signed version of `source`'s zone that `previous` serves, whose unchanged signatures a reload
/// keeps; null at a start or when it was not signed.
const dnssec::SignedZone* serving_signed(const engine::World* previous, const ZoneSource& source) {
  std::vector<std::uint8_t> origin;
  if (!previous || !dns::name_from_text(source.origin, origin)) return nullptr;
  dns::name_to_lower(origin.data(), origin.size());
  const zone::Zone* served = previous->zones.exact(origin.data());
  return served ? previous->signed_zone(served) : nullptr;
}

/// True when two versions of a zone with the same SOA differ only in what sgdns makes from key files
/// (DNSKEY, CDS, CDNSKEY): a rollover by adding or retiring key files and SIGHUP changes no data of the
/// operator's, so it needs no serial bump. (A zone with stock secondaries needs one all the same, or they
/// keep the old DNSKEY RRset: docs/dnssec.md, "Secondaries".)
bool only_keys_differ(const zone::Zone& old, const zone::Zone& z) {
  constexpr std::uint16_t kCds = 59, kCdnskey = 60;
  const zone::JournalChange change = zone::diff(old, z);
  bool only_keys = true;
  std::vector<std::uint8_t> soa[2];
  int list = 0;
  for (const auto* bytes : {&change.removed, &change.added}) {
    bool head = true;
    zone::for_each_record(*bytes, [&](const zone::WireRecord& r) {
      if (head) {  // each list starts with its version's SOA
        soa[list].assign(r.rdata, r.rdata + r.rdlen);
        head = false;
      } else if (r.type != dns::rrtype::kDNSKEY && r.type != kCds && r.type != kCdnskey) {
        only_keys = false;
      }
    });
    ++list;
  }
  return only_keys && soa[0] == soa[1];
}

/// The journal the new version of `z` gets (see build_world()).
std::shared_ptr<const zone::Journal> next_journal(const Config& config, const engine::World* previous,
                                                  const zone::Zone& z) {
  const std::string name = z.origin_text();
  if (!previous) {
    const std::string path = journal_path(config, z);
    if (path.empty()) return std::make_shared<zone::Journal>();
    std::shared_ptr<const zone::Journal> j;
    try {
      j = zone::Journal::read(path);
    } catch (const zone::ZoneError& e) {
      log::warn(std::string("journal ") + e.what() +
                ": ignored, IXFR falls back to AXFR until the next change");
      return std::make_shared<zone::Journal>();
    }
    if (!j->empty() && j->last_serial() != z.serial()) {
      log::warn("journal " + path + " ends at serial " + std::to_string(j->last_serial()) +
                ", the zone is at " + std::to_string(z.serial()) + " (edited while stopped?): ignored");
      return std::make_shared<zone::Journal>();
    }
    return j;
  }
  const zone::Zone* old = same_origin(*previous, z);
  auto it = old ? previous->journals.find(old) : previous->journals.end();
  std::shared_ptr<const zone::Journal> before =
      it != previous->journals.end() ? it->second : std::make_shared<zone::Journal>();
  if (!old) return before;
  if (old->serial() == z.serial()) {
    if (old->content_digest() != z.content_digest() && !only_keys_differ(*old, z))
      throw ConfigError("zone " + name + ": the content changed but the serial is still " +
                        std::to_string(z.serial()) +
                        ": refused, secondaries would never see the change (bump the SOA serial)");
    return before;
  }
  if (!dns::serial_newer(z.serial(), old->serial())) {
    log::warn("zone " + name + ": the serial went backwards (" + std::to_string(old->serial()) + " -> " +
              std::to_string(z.serial()) + "): journal cleared, secondaries need a full transfer");
    return std::make_shared<zone::Journal>();
  }
  return before->with(zone::diff(*old, z), config.journal_limits);
}

}  // namespace

std::string journal_path(const Config& config, const zone::Zone& zone) {
  if (config.journal_dir.empty()) return "";
  return config.journal_dir + "/" + zone.origin_text() + "journal";
}

std::vector<std::string> save_journals(const Config& config, const engine::World* before,
                                       const engine::World& after) {
  std::vector<std::string> problems;
  for (const auto& [z, journal] : after.journals) {
    const std::string path = journal_path(config, *z);
    if (path.empty()) continue;
    if (before) {
      const zone::Zone* old = same_origin(*before, *z);
      auto it = old ? before->journals.find(old) : before->journals.end();
      if (it != before->journals.end() && it->second == journal) continue;
    }
    try {
      journal->write(path);
    } catch (const std::exception& e) {
      problems.push_back(std::string("journal not saved: ") + e.what());
    }
  }
  return problems;
}

std::vector<zone::DynamicOwner> dynamic_owners_of(const Config& config, const policy::Policy* policy,
                                                  std::size_t zone_index) {
  auto all = dynamic_owners(config, policy);
  return zone_index < all.size() ? std::move(all[zone_index]) : std::vector<zone::DynamicOwner>{};
}

std::shared_ptr<engine::World> with_zone(const engine::World& serving, std::shared_ptr<const zone::Zone> zone,
                                         std::shared_ptr<const zone::Journal> journal,
                                         const engine::ZoneReplication& replication) {
  auto next = std::make_shared<engine::World>();
  const zone::Zone* old = serving.zones.exact(zone->origin());
  *next = serving;
  next->zones = zone::ZoneSet();
  for (const auto& z : serving.zones.zones())
    if (z.get() != old) next->zones.add(z);
  next->zones.add(zone);
  next->replication.erase(old);
  next->journals.erase(old);
  std::erase(next->expired, old);
  next->replication[zone.get()] = replication;
  next->journals[zone.get()] = std::move(journal);
  return next;
}

std::shared_ptr<engine::World> with_expired(const engine::World& serving, const zone::Zone* zone,
                                            bool expired) {
  auto next = std::make_shared<engine::World>(serving);
  std::erase(next->expired, zone);
  if (expired) next->expired.push_back(zone);
  return next;
}

std::shared_ptr<engine::World> build_world(const Config& config, std::uint64_t generation,
                                           const engine::World* previous) {
  auto world = std::make_shared<engine::World>();
  world->generation = generation;
  world->options = config.options;
  world->config_file = config.config_file;
  world->config_sha256 = config.config_sha256;
  // Everything is checked even after a mistake, so one pass (sgdns check, a refused reload) lists them
  // all: the policy's, then each zone's, in that order.
  Problems problems;
  const std::string where = config.config_file;
  std::vector<std::string> budgets;  // last: a budget matters only once everything else is right
  auto named = [&](const std::string& p) { return where.empty() ? p : where + ": " + p; };
  problems.attempt([&] {
    if (world->options.cookies.enabled && !config.cookie_secret_file.empty())
      config::read_cookie_secrets(config.cookie_secret_file, world->options.cookies);
  });
  try {
    if (!config.policy.empty()) {
      world->policy = policy::compile(config.policy);
      world->health = std::make_shared<health::HealthTable>(world->policy->health_ids);
    }
  } catch (const policy::PolicyErrors& e) {
    for (const auto& p : e.structural()) problems.add(named(p));
    for (const auto& p : e.budgets()) budgets.push_back(named(p));
  } catch (const policy::PolicyError& e) {
    problems.add(where.empty() ? e.what() : where + ": " + e.what());
  }
  std::vector<std::vector<zone::DynamicOwner>> owners(config.zones.size());
  problems.attempt([&] { owners = dynamic_owners(config, world->policy.get()); });
  read_keys(config, *world, problems);
  for (std::size_t i = 0; i < config.zones.size(); ++i) {
    const ZoneSource& source = config.zones[i];
    if (source.replication.primary && !file_exists(source.file)) {
      log::info("zone " + source.origin + ": secondary, no copy at " + source.file +
                " yet: served once fetched from " + source.replication.primary->address.text);
      continue;
    }
    try {
      std::shared_ptr<const zone::Zone> z;
      if (source.keys.empty()) {
        z = zone::Zone::load(source.origin, source.file, owners[i]);
      } else {
        if (!world->signatures)
          world->signatures = std::make_shared<dnssec::SignatureCache>(kSignatureCacheEntries);
        auto signed_zone = load_signed_zone(source, owners[i], world->signatures,
                                            static_cast<std::uint32_t>(std::time(nullptr)),
                                            serving_signed(previous, source));
        z = std::shared_ptr<const zone::Zone>(signed_zone, &signed_zone->zone());
        world->signed_zones.push_back(std::move(signed_zone));
      }
      world->zones.add(z);
      const auto& r = source.replication;
      if (r.transfer_set || !r.notify.empty() || r.primary) world->replication[z.get()] = r;
      problems.attempt([&] { world->journals[z.get()] = next_journal(config, previous, *z); });
    } catch (const std::exception& e) {  // zone::ZoneError with file:line, or a bad origin
      problems.add(e.what());
    }
  }
  for (auto& b : budgets) problems.add(std::move(b));
  problems.throw_if_any();
  return world;
}

}  // namespace sgdns::world
