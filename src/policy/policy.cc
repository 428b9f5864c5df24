// SPDX-License-Identifier: MIT
// Policy lookups and the health table.
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

HealthTable::HealthTable(std::size_t size)
    : size_(size),
      states_(new std::atomic<std::uint8_t>[size ? size : 1]),
      forced_(new std::atomic<std::uint8_t>[size ? size : 1]),
      caps_(new std::atomic<std::uint32_t>[size ? size : 1]) {
  for (std::size_t i = 0; i < size; ++i) {
    states_[i].store(0, std::memory_order_relaxed);
    forced_[i].store(0, std::memory_order_relaxed);
    caps_[i].store(kNoCap, std::memory_order_relaxed);
  }
}

void HealthTable::set_up(std::uint32_t id, bool up) noexcept {
  if (id < size_) states_[id].store(up ? 0 : 1, std::memory_order_relaxed);
}

void HealthTable::set_forced(std::uint32_t id, Forced f) noexcept {
  if (id < size_) forced_[id].store(static_cast<std::uint8_t>(f), std::memory_order_relaxed);
}

void HealthTable::set_ttl_cap(std::uint32_t id, std::uint32_t seconds) noexcept {
  if (id < size_) caps_[id].store(seconds, std::memory_order_relaxed);
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
