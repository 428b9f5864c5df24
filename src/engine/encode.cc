// SPDX-License-Identifier: MIT
// Plan -> wire: whole RRsets, additional-section addresses for NS/MX/SRV targets, truncation rules.
#include "encode.h"

#include "sgdns/dns/types.h"
#include "sign.h"

namespace sgdns::engine {
namespace {

using dns::Section;
namespace rrtype = dns::rrtype;

/// Additional-section nodes already written; more targets than this in one answer are left out.
constexpr std::size_t kMaxAdditionalNodes = 32;

struct AdditionalState {
  const zone::Node* done[kMaxAdditionalNodes];
  std::size_t count = 0;
  bool seen(const zone::Node* n) const noexcept {
    for (std::size_t i = 0; i < count; ++i) {
      if (done[i] == n) return true;
    }
    return false;
  }
};

/// Returns false only when in-domain glue of a referral did not fit (RFC 9471: then TC must be set).
bool add_addresses(const PlanItem& item, bool glue_required, AdditionalState& state,
                   dns::Writer& w) noexcept {
  if (!item.rrset) return true;  // dynamic answers have no additional data
  const zone::Zone& z = *item.zone;
  for (std::int32_t idx : z.additional(*item.rrset)) {
    const zone::Node& node = z.node(idx);
    if (state.seen(&node) || state.count == kMaxAdditionalNodes) continue;
    state.done[state.count++] = &node;
    for (std::uint16_t type : {rrtype::kA, rrtype::kAAAA}) {
      const zone::RRset* set = z.find_rrset(node, type);
      if (!set) continue;
      if (!put_rrset(w, PlanItem{&z, set, z.name(node), set->ttl})) {
        bool in_domain_glue = glue_required && (node.flags & zone::node_flag::kBelowCut);
        return !in_domain_glue;
      }
    }
  }
  return true;
}

}  // namespace

bool put_rrset(dns::Writer& w, const PlanItem& item, const Plan* plan) noexcept {
  auto mark = w.mark();
  if (!item.rrset) {
    const DynamicSet& set = plan->dynamic[item.dynamic];
    for (std::size_t i = 0; i < set.count; ++i) {
      if (!w.put_rr(item.owner, set.type, dns::rrclass::kIN, item.ttl, set.rdata[i], set.rdlen[i])) {
        w.rollback(mark);
        return false;
      }
    }
    return true;
  }
  for (auto rd : item.zone->rdata(*item.rrset)) {
    if (!w.put_rr(item.owner, item.rrset->type, dns::rrclass::kIN, item.ttl, rd.data, rd.size)) {
      w.rollback(mark);
      return false;
    }
  }
  return true;
}

/// The RRset and, in a signed reply, its RRSIGs: both or neither (RFC 4035 3.1.1: then TC).
bool put_signed_rrset(dns::Writer& w, const PlanItem& item, const Plan& plan) noexcept {
  auto mark = w.mark();
  if (!put_rrset(w, item, &plan)) return false;
  if (!plan.dnssec || put_signatures(w, item, plan)) return true;
  w.rollback(mark);
  return false;
}

bool encode_plan(const Plan& plan, dns::Writer& w) noexcept {
  w.begin_section(Section::Answer);
  for (std::size_t i = 0; i < plan.answer_count; ++i) {
    if (!put_signed_rrset(w, plan.answer[i], plan)) return false;
  }
  w.begin_section(Section::Authority);
  for (std::size_t i = 0; i < plan.authority_count; ++i) {
    if (!put_signed_rrset(w, plan.authority[i], plan)) return false;
  }
  if (plan.dnssec && plan.has_nsec) {
    auto mark = w.mark();
    if (!put_nsec(w, plan)) {
      w.rollback(mark);
      return false;
    }
  }
  w.begin_section(Section::Additional);
  AdditionalState state;
  for (std::size_t i = 0; i < plan.answer_count; ++i) {
    if (!add_addresses(plan.answer[i], false, state, w)) return false;
  }
  for (std::size_t i = 0; i < plan.authority_count; ++i) {
    if (!add_addresses(plan.authority[i], plan.glue_required, state, w)) return false;
  }
  return true;
}

}  // namespace sgdns::engine
