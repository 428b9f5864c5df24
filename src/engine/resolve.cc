// SPDX-License-Identifier: MIT
// RFC 1034 4.3.2 inside one zone: exact match, CNAME chains, wildcards (RFC 4592), referrals, negatives.
#include "resolve.h"

#include "dynamic.h"

#include <algorithm>
#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

namespace sgdns::engine {
namespace {

using zone::Node;
using zone::Zone;
namespace rrtype = dns::rrtype;

/// Where a name leads inside the zone.
struct Located {
  const Node* node = nullptr;  // the node whose data answers (a wildcard node for synthesis)
  const Node* cut = nullptr;   // set for a referral
};

Located locate(const Zone& zone, const std::uint8_t* lname, std::size_t len, std::uint16_t qtype) noexcept {
  const Node* node = zone.find(lname, len);
  if (node) {
    if (node->cut < 0) return {node, nullptr};
    const Node& cut = zone.node(node->cut);
    // DS lives on the parent side of a cut (RFC 4035 3.1.4.1), so the parent answers it.
    if (qtype == rrtype::kDS && &cut == node) return {node, nullptr};
    return {nullptr, &cut};
  }
  // The closest encloser exists: every name in a served zone has the apex as an ancestor.
  const std::uint8_t* p = lname;
  do {
    len -= 1u + p[0];
    p = dns::parent_name(p);
  } while (!(node = zone.find(p, len)));
  if (node->cut >= 0) return {nullptr, &zone.node(node->cut)};
  if (node->wildcard >= 0) return {&zone.node(node->wildcard), nullptr};
  return {};
}

void add(PlanItem* items, std::size_t& count, const Zone& zone, const zone::RRset* rrset,
         const std::uint8_t* owner, std::uint32_t ttl) noexcept {
  items[count++] = PlanItem{&zone, rrset, owner, ttl};
}

void add_type(DenialNsec& nsec, std::uint16_t type) noexcept {
  for (std::size_t i = 0; i < nsec.type_count; ++i) {
    if (nsec.types[i] == type) return;
  }
  if (nsec.type_count < kMaxNsecTypes) nsec.types[nsec.type_count++] = type;
}

/// Compact denial (RFC 9824): an NSEC at the name itself listing what the name has; `node` null for a
/// name that does not exist (NXNAME).
void add_nsec(const World& world, Plan& plan, const Zone& zone, const Node* node, const std::uint8_t* owner,
              const std::uint8_t* lname) noexcept {
  DenialNsec& nsec = plan.nsec;
  plan.has_nsec = true;
  nsec.owner = owner;
  nsec.lowner = lname;
  nsec.ttl = zone.negative_ttl();  // RFC 9077: NSEC TTLs follow the negative-caching TTL
  nsec.type_count = 0;
  if (node) {
    for (const zone::RRset& set : zone.rrsets(*node)) add_type(nsec, set.type);
    if (node->dynamic >= 0 && world.policy) {
      const policy::Record& rec = world.policy->records[static_cast<std::size_t>(node->dynamic)];
      if (rec.a) add_type(nsec, rrtype::kA);
      if (rec.aaaa) add_type(nsec, rrtype::kAAAA);
    }
  } else {
    add_type(nsec, dnssec::kTypeNxName);
  }
  add_type(nsec, rrtype::kRRSIG);
  add_type(nsec, rrtype::kNSEC);
}

void add_soa(Plan& plan, const Zone& zone) noexcept {
  add(plan.authority, plan.authority_count, zone, zone.find_rrset(zone.apex(), rrtype::kSOA), zone.origin(),
      zone.negative_ttl());
}

/// RFC 8482 lets a server answer ANY with one RRset; the node's first RRset in type order keeps it stable.
const zone::RRset* any_rrset(const Zone& zone, const Node& node) noexcept {
  auto sets = zone.rrsets(node);
  return sets.empty() ? nullptr : &sets.front();
}

bool seen_before(const Scratch& s, std::size_t depth, const std::uint8_t* lname) noexcept {
  if (dns::name_equal(s.query.lqname, lname)) return true;
  for (std::size_t i = 0; i < depth; ++i) {
    if (dns::name_equal(s.chain_names[i], lname)) return true;
  }
  return false;
}

/// Follows a CNAME whose target is `target`: records it for loop detection and returns the lowercase name
/// to look up next, or nullptr when the chain ends here (out of zone, too long, or a loop).
const std::uint8_t* next_in_chain(const Zone& zone, Scratch& s, std::size_t depth,
                                  const std::uint8_t* target) noexcept {
  if (depth + 1 >= Plan::kMaxChain || !dns::is_subdomain(target, zone.origin())) return nullptr;
  std::uint8_t* next = s.chain_names[depth];
  std::size_t len = dns::name_length(target);
  std::memcpy(next, target, len);
  dns::name_to_lower(next, len);
  return seen_before(s, depth, next) ? nullptr : next;  // a loop: answer the chain once
}

enum class DynamicStep : std::uint8_t { NotDynamic, Answered, Cname };

/// A policy record answers A/AAAA (ANY as A) at its name; other types fall through to the zone data.
DynamicStep answer_dynamic(const World& world, const Zone& zone, const Node& node, const Client& client,
                           Scratch& s, const std::uint8_t* owner,
                           const std::uint8_t** cname_target) noexcept {
  Plan& plan = s.plan;
  if (node.dynamic < 0 || !world.policy || plan.dynamic_count == 2) return DynamicStep::NotDynamic;
  const policy::Record& rec = world.policy->records[static_cast<std::size_t>(node.dynamic)];
  std::uint16_t qtype = s.query.qtype;
  if (qtype == rrtype::kANY || qtype == rrtype::kCNAME) qtype = rec.a ? rrtype::kA : rrtype::kAAAA;
  if (!rec.covers(qtype)) return DynamicStep::NotDynamic;
  DynamicSet& set = plan.dynamic[plan.dynamic_count];
  DynamicChoice choice = choose_dynamic(world, rec, qtype, client, s, set);
  if (choice.kind == DynamicChoice::Kind::None) return DynamicStep::NotDynamic;
  if (plan.record < 0) {
    plan.record = node.dynamic;
    plan.pool = static_cast<std::int32_t>(choice.pool - world.policy->pools.data());
    plan.failed_open = choice.failed_open;
  }
  if (choice.kind == DynamicChoice::Kind::Cname) {
    set.type = rrtype::kCNAME;
    set.count = 1;
    set.rdata[0] = choice.pool->cname.data();
    set.rdlen[0] = static_cast<std::uint16_t>(choice.pool->cname.size());
    *cname_target = choice.pool->cname.data();
  } else if (set.count == 0 || s.query.qtype == rrtype::kCNAME) {
    return DynamicStep::NotDynamic;
  }
  // The TTL follows health: never past the soonest possible state change, never below the minimum.
  std::uint32_t ttl = health::answer_ttl(rec.ttl, rec.min_ttl, set.ttl_cap);
  plan.answer[plan.answer_count++] =
      PlanItem{&zone, nullptr, owner, ttl, static_cast<std::int8_t>(plan.dynamic_count++)};
  return choice.kind == DynamicChoice::Kind::Cname ? DynamicStep::Cname : DynamicStep::Answered;
}

}  // namespace

Outcome resolve(const World& world, const Zone& zone, const Client& client, Scratch& s) noexcept {
  Plan& plan = s.plan;
  plan.answer_count = plan.authority_count = 0;
  plan.rcode = dns::rcode::kNoError;
  plan.authoritative = true;
  plan.glue_required = false;
  plan.dynamic_count = 0;
  plan.ecs_scope = 0;
  plan.record = plan.region = plan.pool = -1;
  plan.failed_open = false;
  plan.located = -1;
  plan.has_nsec = false;
  const std::uint16_t qtype = s.query.qtype;
  const std::uint8_t* lname = s.query.lqname;
  const std::uint8_t* owner = s.query.qname;
  plan.limit_name = lname;

  for (std::size_t depth = 0;; ++depth) {
    Located found = locate(zone, lname, depth == 0 ? s.query.qname_len : dns::name_length(lname), qtype);
    if (depth == 0 && found.node && (found.node->flags & zone::node_flag::kWildcard))
      plan.limit_name = dns::parent_name(zone.name(*found.node));  // every name under a wildcard is one
    if (found.cut) {
      plan.limit_name = zone.name(*found.cut);
      // A referral; after a CNAME the answer so far is still ours, so AA stays (RFC 1034 4.3.2 step 3b).
      plan.authoritative = depth > 0;
      plan.glue_required = true;
      add(plan.authority, plan.authority_count, zone, zone.find_rrset(*found.cut, rrtype::kNS),
          zone.name(*found.cut), zone.find_rrset(*found.cut, rrtype::kNS)->ttl);
      plan.authority[0].unsigned_data = true;
      if (plan.dnssec) {
        // RFC 4035 3.1.4: the DS RRset signed, or proof that there is none (an insecure delegation).
        if (const zone::RRset* ds = zone.find_rrset(*found.cut, rrtype::kDS))
          add(plan.authority, plan.authority_count, zone, ds, zone.name(*found.cut), ds->ttl);
        else
          add_nsec(world, plan, zone, found.cut, zone.name(*found.cut), zone.name(*found.cut));
      }
      return Outcome::Referral;
    }
    if (!found.node) {
      // After a CNAME too (RFC 6604). Signed, compact denial answers NOERROR with an NSEC that says the
      // name has no types but NXNAME (RFC 9824 3.1): validators of today accept it as a NODATA proof. A
      // client that set Compact Answers OK (RFC 9824 5.1) gets the same NSEC with NXDOMAIN.
      const bool compact_nodata = plan.dnssec && !s.query.edns.compact_ok;
      plan.rcode = compact_nodata ? dns::rcode::kNoError : dns::rcode::kNxDomain;
      plan.limit_name = zone.origin();
      add_soa(plan, zone);
      if (plan.dnssec) add_nsec(world, plan, zone, nullptr, owner, lname);
      return Outcome::NxDomain;
    }
    const Node& node = *found.node;
    const std::uint8_t* target = nullptr;
    switch (answer_dynamic(world, zone, node, client, s, owner, &target)) {
      case DynamicStep::Answered:
        return Outcome::Answer;
      case DynamicStep::NotDynamic:
        break;
      case DynamicStep::Cname:
        if (qtype == rrtype::kANY || qtype == rrtype::kCNAME ||
            !(lname = next_in_chain(zone, s, depth, target)))
          return Outcome::Answer;
        owner = target;
        continue;
    }
    const bool synthesized = (node.flags & zone::node_flag::kWildcard) != 0;
    const zone::RRset* cname = zone.find_rrset(node, rrtype::kCNAME);
    if (cname && qtype != rrtype::kCNAME) {
      add(plan.answer, plan.answer_count, zone, cname, owner, cname->ttl);
      plan.answer[plan.answer_count - 1].synthesized = synthesized;
      target = (*zone.rdata(*cname).begin()).data;
      if (qtype == rrtype::kANY || !(lname = next_in_chain(zone, s, depth, target))) return Outcome::Answer;
      owner = target;
      continue;
    }
    const zone::RRset* match = qtype == rrtype::kANY ? any_rrset(zone, node) : zone.find_rrset(node, qtype);
    if (match) {
      add(plan.answer, plan.answer_count, zone, match, owner, match->ttl);
      plan.answer[plan.answer_count - 1].synthesized = synthesized;
      return Outcome::Answer;
    }
    add_soa(plan, zone);
    if (plan.dnssec) add_nsec(world, plan, zone, &node, owner, lname);
    return Outcome::NoData;
  }
}

}  // namespace sgdns::engine
