// SPDX-License-Identifier: MIT
// Dynamic answers (gdnsd's meta_core algorithm): pools in the client's region order, the first with a
// live member wins; weighted draws within a pool; fail open to the first pool when everything is down.
#include "dynamic.h"

#include <netinet/in.h>

#include <iterator>
#include <vector>

#include "sgdns/dns/prefix.h"
#include "sgdns/dns/types.h"
#include "sgdns/engine/trace.h"

namespace sgdns::engine {
namespace {

using policy::Kind;
using policy::Pool;
using policy::Record;

/// Members considered per pool; larger pools answer from their first 256 members.
constexpr std::size_t kMaxPoolScan = 256;

std::uint64_t next_random(std::uint64_t& state) noexcept {
  // xorshift64*: fast, good enough to split traffic by weight, and reproducible when seeded.
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

/// Reads member health and remembers the soonest time any consulted member could change state: the
/// answer's TTL must not outlive that (the health issue's "TTL follows health").
struct HealthReader {
  const World& world;
  std::uint32_t cap = health::HealthTable::kNoCap;
  bool up(std::uint32_t id) noexcept {
    if (!world.health) return true;
    std::uint32_t c = world.health->ttl_cap(id);
    if (c < cap) cap = c;
    return world.health->up(id);
  }
};

/// Picks up to `max` members of the family from `pool` (only live ones unless `ignore_health`), by
/// weight without replacement when there are more candidates than answers. Returns how many.
std::size_t pick_members(HealthReader& health, const Pool& pool, std::uint8_t rdlen, std::size_t max,
                         bool ignore_health, std::uint64_t& rng, DynamicSet& out) noexcept {
  std::uint16_t candidates[kMaxPoolScan];
  std::uint64_t total = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < pool.members.size() && n < kMaxPoolScan; ++i) {
    const policy::Member& m = pool.members[i];
    if (m.rdlen != rdlen || !(ignore_health || health.up(m.health_id))) continue;
    candidates[n++] = static_cast<std::uint16_t>(i);
    total += m.weight;
  }
  if (max > kMaxDynamicAnswers) max = kMaxDynamicAnswers;
  if (n <= max) {  // everything fits: answer in configured order
    for (std::size_t i = 0; i < n; ++i) {
      out.rdata[i] = pool.members[candidates[i]].rdata;
      out.rdlen[i] = rdlen;
    }
    out.count = static_cast<std::uint16_t>(n);
    return n;
  }
  std::size_t chosen = 0;
  while (chosen < max) {
    std::size_t pick = 0;
    std::uint64_t r = next_random(rng) % total;
    while (r >= pool.members[candidates[pick]].weight) r -= pool.members[candidates[pick++]].weight;
    const policy::Member& m = pool.members[candidates[pick]];
    out.rdata[chosen] = m.rdata;
    out.rdlen[chosen] = m.rdlen;
    ++chosen;
    total -= m.weight;
    candidates[pick] = candidates[--n];
  }
  out.count = static_cast<std::uint16_t>(chosen);
  return chosen;
}

bool can_answer(const Pool& pool, std::uint8_t rdlen) noexcept {
  return pool.is_cname() || pool.has_family(rdlen);
}

bool pool_live(HealthReader& health, const Pool& pool, std::uint8_t rdlen) noexcept {
  if (pool.is_cname()) return health.up(pool.cname_health_id);
  for (const policy::Member& m : pool.members) {
    if (m.rdlen == rdlen && health.up(m.health_id)) return true;
  }
  return false;
}

DynamicChoice answer_from(HealthReader& health, const Pool& pool, std::uint8_t rdlen, std::size_t max,
                          bool ignore_health, std::uint64_t& rng, DynamicSet& out) noexcept {
  if (pool.is_cname()) return {DynamicChoice::Kind::Cname, false, &pool};
  pick_members(health, pool, rdlen, max, ignore_health, rng, out);
  return {DynamicChoice::Kind::Addresses, false, &pool};
}

/// Weighted policy: a live pool drawn by the record's pool weights.
const Pool* draw_pool(HealthReader& health, const Record& rec, std::uint8_t rdlen,
                      std::uint64_t& rng) noexcept {
  const auto& pools = health.world.policy->pools;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < rec.pools.size(); ++i) {
    const Pool& p = pools[static_cast<std::size_t>(rec.pools[i])];
    if (can_answer(p, rdlen) && pool_live(health, p, rdlen)) total += rec.pool_weights[i];
  }
  if (total == 0) return nullptr;
  std::uint64_t r = next_random(rng) % total;
  for (std::size_t i = 0; i < rec.pools.size(); ++i) {
    const Pool& p = pools[static_cast<std::size_t>(rec.pools[i])];
    if (!can_answer(p, rdlen) || !pool_live(health, p, rdlen)) continue;
    if (r < rec.pool_weights[i]) return &p;
    r -= rec.pool_weights[i];
  }
  return nullptr;
}

/// Multivalue policy: up to max_answers live members across the pools, in order.
std::size_t gather(HealthReader& health, const Record& rec, std::uint8_t rdlen, bool ignore_health,
                   DynamicSet& out) noexcept {
  std::size_t max = rec.max_answers < kMaxDynamicAnswers ? rec.max_answers : kMaxDynamicAnswers;
  std::size_t n = 0;
  for (std::int32_t p : rec.pools) {
    for (const policy::Member& m : health.world.policy->pools[static_cast<std::size_t>(p)].members) {
      if (n == max) break;
      if (m.rdlen != rdlen || !(ignore_health || health.up(m.health_id))) continue;
      out.rdata[n] = m.rdata;
      out.rdlen[n] = m.rdlen;
      ++n;
    }
  }
  out.count = static_cast<std::uint16_t>(n);
  return n;
}

DynamicChoice choose(const World& world, HealthReader& health, const Record& rec, std::uint16_t qtype,
                     const Client& client, Scratch& s, DynamicSet& out, ClientRegion& where) noexcept;

bool traced_up(const World& world, std::uint32_t health_id) {
  return !world.health || world.health->up(health_id);
}

/// Records one decision: where the client was placed and, pool by pool in the order tried, what became of
/// it. Called only when a trace was asked for, after the decision, from the same health table.
[[gnu::cold]] [[gnu::noinline]] void record_step(const World& world, const Record& rec, std::uint16_t qtype,
                                                 const ClientRegion& where, const DynamicChoice& choice,
                                                 Trace& trace) {
  const policy::Policy& policy = *world.policy;
  const std::uint8_t rdlen = qtype == dns::rrtype::kA ? 4 : 16;
  TraceStep step;
  step.record = static_cast<std::int32_t>(&rec - policy.records.data());
  step.qtype = qtype;
  step.located = rec.kind == Kind::Geo || rec.kind == Kind::Nearest;
  step.where = where;
  step.chosen = choice.pool ? static_cast<std::int32_t>(choice.pool - policy.pools.data()) : -1;
  step.fail_open = choice.failed_open;
  const std::vector<std::int32_t>& order =
      step.located ? rec.order[static_cast<std::size_t>(where.region())] : rec.pools;
  const bool sequential = rec.kind != Kind::Weighted && rec.kind != Kind::Multivalue;
  bool answered = false;
  for (std::int32_t index : order) {
    const Pool& pool = policy.pools[static_cast<std::size_t>(index)];
    TraceStep::Pool p;
    p.pool = index;
    bool live = pool.is_cname() && traced_up(world, pool.cname_health_id);
    p.up = !pool.is_cname() || live;
    for (const policy::Member& m : pool.members) {
      const TracedMember t{traced_up(world, m.health_id), m.rdlen != rdlen};
      live = live || (t.up && !t.other_family);
      p.members.push_back(t);
    }
    if (!can_answer(pool, rdlen)) {
      p.verdict = PoolVerdict::NoFamily;
    } else if (sequential && answered) {
      p.verdict = PoolVerdict::NotReached;
    } else if (choice.failed_open) {
      p.verdict = index == step.chosen ? PoolVerdict::FailOpen : PoolVerdict::AllDown;
    } else if (sequential) {
      answered = index == step.chosen;
      p.verdict = answered ? PoolVerdict::Answered : PoolVerdict::AllDown;
    } else if (rec.kind == Kind::Weighted && index == step.chosen) {
      p.verdict = PoolVerdict::Answered;  // drawn among the live pools by the record's pool weights
    } else {
      p.verdict = live ? PoolVerdict::Live : PoolVerdict::AllDown;
    }
    step.pools.push_back(std::move(p));
  }
  trace.steps.push_back(std::move(step));
}

}  // namespace

const char* verdict_name(PoolVerdict v) noexcept {
  static constexpr const char* kNames[] = {
      "answered",
      "skipped: no member of the queried address family",
      "skipped: every member down",
      "not reached: an earlier pool answered",
      "live: a candidate",
      "answered although down: everything was down and the record fails open",
  };
  const auto i = static_cast<std::size_t>(v);
  return i < std::size(kNames) ? kNames[i] : "?";
}

bool ecs_trusted(const policy::Policy& policy, const sockaddr* resolver) noexcept {
  return policy.ecs.trust_all || dns::address_in(policy.ecs.trusted, resolver);
}

ClientRegion locate_client(const policy::Policy& policy, Kind kind, const Client& client,
                           const dns::Query& query) noexcept {
  const geo::NetMap& map = kind == Kind::Nearest ? policy.nearest_map : policy.geo_map;
  if (query.edns.has_ecs && ecs_trusted(policy, client.address)) {
    const dns::ClientSubnet& ecs = query.edns.ecs;
    // RFC 7871 7.1.2: SOURCE PREFIX-LENGTH 0 asks that no address information be used at all.
    if (ecs.source_prefix == 0)
      return {policy::placement(policy.default_region, policy::LocateRule::Default), 0, true};
    geo::MapResult r = ecs.family == 1 ? map.lookup_v4(ecs.address) : map.lookup_v6(ecs.address);
    return {r.value, r.prefix_length, true};
  }
  if (!client.address)
    return {policy::placement(policy.default_region, policy::LocateRule::Default), 0, false};
  geo::MapResult r = map.lookup(client.address);
  return {r.value, r.prefix_length, false};
}

DynamicChoice choose_dynamic(const World& world, const Record& rec, std::uint16_t qtype, const Client& client,
                             Scratch& s, DynamicSet& out) noexcept {
  HealthReader health{world};
  ClientRegion where;
  DynamicChoice choice = choose(world, health, rec, qtype, client, s, out, where);
  out.ttl_cap = health.cap;
  if (s.trace) [[unlikely]]
    record_step(world, rec, qtype, where, choice, *s.trace);
  return choice;
}

namespace {

DynamicChoice choose(const World& world, HealthReader& health, const Record& rec, std::uint16_t qtype,
                     const Client& client, Scratch& s, DynamicSet& out, ClientRegion& where) noexcept {
  const policy::Policy& policy = *world.policy;
  const std::uint8_t rdlen = qtype == dns::rrtype::kA ? 4 : 16;
  out.type = qtype;
  out.count = 0;
  const std::vector<std::int32_t>* order = &rec.pools;
  if (rec.kind == Kind::Geo || rec.kind == Kind::Nearest) {
    where = locate_client(policy, rec.kind, client, s.query);
    if (s.plan.region < 0) {
      s.plan.region = where.region();
      s.plan.located = static_cast<std::int8_t>(where.rule());
    }
    if (where.from_ecs && where.scope > s.plan.ecs_scope) s.plan.ecs_scope = where.scope;
    order = &rec.order[static_cast<std::size_t>(where.region())];
  }
  const Pool* first = nullptr;
  for (std::int32_t p : *order) {
    const Pool& pool = policy.pools[static_cast<std::size_t>(p)];
    if (!can_answer(pool, rdlen)) continue;
    if (!first) first = &pool;
    if (rec.kind == Kind::Multivalue || rec.kind == Kind::Weighted) break;
    // One pass over the members: picking the live ones also says whether there are any.
    if (pool.is_cname()) {
      if (health.up(pool.cname_health_id)) return {DynamicChoice::Kind::Cname, false, &pool};
    } else if (pick_members(health, pool, rdlen, rec.max_answers, false, s.rng, out) > 0) {
      return {DynamicChoice::Kind::Addresses, false, &pool};
    }
  }
  if (!first) return {};
  if (rec.kind == Kind::Multivalue && gather(health, rec, rdlen, false, out) > 0)
    return {DynamicChoice::Kind::Addresses, false, first};
  if (rec.kind == Kind::Weighted) {
    if (const Pool* drawn = draw_pool(health, rec, rdlen, s.rng))
      return answer_from(health, *drawn, rdlen, rec.max_answers, false, s.rng, out);
  }
  // Everything this record could use is down. An empty answer takes a site down harder than a stale
  // one, so by default answer as if all were up (fail open); a record may ask to fall back instead.
  if (!rec.fail_open) return {};
  if (rec.kind == Kind::Multivalue) {
    gather(health, rec, rdlen, true, out);
    return {DynamicChoice::Kind::Addresses, true, first};
  }
  DynamicChoice open = answer_from(health, *first, rdlen, rec.max_answers, true, s.rng, out);
  open.failed_open = true;
  return open;
}

}  // namespace

}  // namespace sgdns::engine
