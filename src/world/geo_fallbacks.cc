// SPDX-License-Identifier: MIT
// Warns about geo names that secondaries of a signed zone would deny (no static fallback records).
#include "geo_fallbacks.h"

#include <algorithm>
#include <set>
#include <string>

#include "sgdns/dns/name.h"
#include "sgdns/util/log.h"

namespace sgdns::world {

void warn_geo_names_without_fallback(const config::ZoneSource& source, const zone::MasterFile& file,
                                     const std::vector<zone::DynamicOwner>& owners) {
  const engine::ZoneReplication& r = source.replication;
  if (owners.empty() || (!r.transfer_set && r.notify.empty())) return;
  std::set<std::vector<std::uint8_t>> bare;  // lowercase wire names, those without records so far
  for (const zone::DynamicOwner& d : owners) bare.insert(d.owner);
  std::vector<std::uint8_t> lower;
  for (const zone::ParsedRecord& rec : file.records) {
    lower = rec.owner;
    dns::name_to_lower(lower.data(), lower.size());
    bare.erase(lower);
    if (bare.empty()) return;
  }
  std::vector<std::string> texts;
  for (const auto& name : bare) texts.push_back(dns::name_to_text(name.data()));
  std::sort(texts.begin(), texts.end());
  std::string names;
  for (std::size_t i = 0; i < texts.size() && i < 5; ++i) names += (i ? ", " : "") + texts[i];
  if (texts.size() > 5) names += " and " + std::to_string(texts.size() - 5) + " more";
  log::warn("zone " + source.origin + ": signed and transferred to secondaries, but the geo name(s) " +
            names +
            " have no static records: secondaries deny them with their NSEC chain (and resolvers that cache "
            "NSEC aggressively may then deny them for a while even when they ask sgdns); give each a static "
            "fallback record in the zone file (docs/dnssec.md, \"Secondaries\")");
}

}  // namespace sgdns::world
