// SPDX-License-Identifier: MIT
// Policy lookups: records by owner, regions and pools by name, health ids by pool and member.
#include "sgdns/policy/policy.h"

#include "sgdns/dns/types.h"

namespace sgdns::policy {

bool Pool::has_family(std::uint8_t rdlen) const noexcept {
  for (const Member& m : members) {
    if (m.rdlen == rdlen) return true;
  }
  return false;
}

bool Record::covers(std::uint16_t qtype) const noexcept {
  return (qtype == dns::rrtype::kA && a) || (qtype == dns::rrtype::kAAAA && aaaa);
}

std::int64_t Policy::health_id(std::string_view pool, std::string_view member) const noexcept {
  std::int32_t p = pool_index(pool);
  if (p < 0) return -1;
  const Pool& pl = pools[static_cast<std::size_t>(p)];
  if (pl.is_cname()) return member == "cname" ? std::int64_t{pl.cname_health_id} : -1;
  for (const Member& m : pl.members) {
    if (m.address == member) return m.health_id;
  }
  return -1;
}

const Record* Policy::find(const std::uint8_t* lname, std::size_t len) const noexcept {
  if (record_index.empty()) return nullptr;
  auto it = record_index.find(std::string_view(reinterpret_cast<const char*>(lname), len));
  return it == record_index.end() ? nullptr : &records[static_cast<std::size_t>(it->second)];
}

std::int32_t Policy::region_index(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].name == name) return static_cast<std::int32_t>(i);
  }
  return -1;
}

std::int32_t Policy::pool_index(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < pools.size(); ++i) {
    if (pools[i].name == name) return static_cast<std::int32_t>(i);
  }
  return -1;
}

}  // namespace sgdns::policy
