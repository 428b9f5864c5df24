// SPDX-License-Identifier: MIT
// ZoneSet: longest-match zone selection over the served zones.
#include "sgdns/zone/zone_set.h"

#include <stdexcept>

#include "sgdns/dns/name.h"

namespace sgdns::zone {

void ZoneSet::add(std::shared_ptr<const Zone> zone) {
  const std::uint8_t* origin = zone->origin();
  std::string_view key(reinterpret_cast<const char*>(origin), dns::name_length(origin));
  if (by_origin_.count(key))
    throw std::invalid_argument("zone " + zone->origin_text() + " is configured twice");
  by_origin_.emplace(key, zone.get());
  origin_lengths_.set(key.size());
  zones_.push_back(std::move(zone));
}

const Zone* ZoneSet::lookup(const std::uint8_t* lname, std::size_t len) const noexcept {
  // A name of any other length cannot be an origin: with one zone, one suffix of a query is hashed.
  if (!origin_lengths_.test(len)) return nullptr;
  auto it = by_origin_.find(std::string_view(reinterpret_cast<const char*>(lname), len));
  return it == by_origin_.end() ? nullptr : it->second;
}

const Zone* ZoneSet::exact(const std::uint8_t* lname) const noexcept {
  return lookup(lname, dns::name_length(lname));
}

const Zone* ZoneSet::find_zone(const std::uint8_t* lname) const noexcept {
  return find_zone(lname, dns::name_length(lname));
}

const Zone* ZoneSet::find_zone(const std::uint8_t* lname, std::size_t len) const noexcept {
  // Walking up from the full name finds the deepest (longest) origin first, so a child zone served
  // beside its parent wins for names below it.
  for (const std::uint8_t* p = lname; p; p = dns::parent_name(p)) {
    if (const Zone* z = lookup(p, len - static_cast<std::size_t>(p - lname))) return z;
  }
  return nullptr;
}

}  // namespace sgdns::zone
