// SPDX-License-Identifier: MIT
// Signing on the query path: a table lookup for static data, a cache lookup for the rest, a signature only
// on a miss. Nothing here allocates unless a signature has to be made.
#include "sign.h"

#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

namespace sgdns::engine {
namespace {

namespace rrtype = dns::rrtype;
using dnssec::kMaxSigningKeys;
using dnssec::Signature;

/// Signs per answer: from the cache when it has the signature, else now.
std::size_t sign_online(const Plan& plan, const std::uint8_t* owner, std::uint16_t type, std::uint32_t ttl,
                        std::span<const dnssec::RdataRef> rdata, Signature* out) noexcept {
  std::uint8_t lowner[dns::kMaxNameLen];
  const std::size_t len = dns::name_length(owner);
  std::memcpy(lowner, owner, len);
  dns::name_to_lower(lowner, len);
  return plan.dnssec->sign(lowner, type, ttl, rdata, plan.now, out);
}

}  // namespace

bool put_rrsigs(dns::Writer& w, const std::uint8_t* owner, std::uint32_t ttl, const std::uint8_t* signer,
                const Signature* sigs, std::size_t count) noexcept {
  const std::size_t signer_len = dns::name_length(signer);
  std::uint8_t rdata[Signature::kFixedSize + dns::kMaxNameLen + dnssec::kSignatureSize];
  for (std::size_t i = 0; i < count; ++i) {
    std::memcpy(rdata, sigs[i].bytes, Signature::kFixedSize);
    // RFC 4034 3.1.7: the signer's name is never compressed.
    std::memcpy(rdata + Signature::kFixedSize, signer, signer_len);
    std::memcpy(rdata + Signature::kFixedSize + signer_len, sigs[i].bytes + Signature::kFixedSize,
                dnssec::kSignatureSize);
    const auto len = static_cast<std::uint16_t>(Signature::kFixedSize + signer_len + dnssec::kSignatureSize);
    if (!w.put_rr(owner, rrtype::kRRSIG, dns::rrclass::kIN, ttl, rdata, len)) return false;
  }
  return true;
}

bool put_signatures(dns::Writer& w, const PlanItem& item, const Plan& plan) noexcept {
  if (item.unsigned_data) return true;
  const dnssec::SignedZone& z = *plan.dnssec;
  if (item.rrset && !item.synthesized) {
    auto sigs = z.static_signatures(*item.rrset, plan.now);
    if (!sigs.empty())
      return put_rrsigs(w, item.owner, item.ttl, z.zone().origin(), sigs.data(), sigs.size());
  }
  dnssec::RdataRef refs[dnssec::kMaxOnlineRdata];
  std::size_t n = 0;
  std::uint16_t type = 0;
  if (item.rrset) {
    type = item.rrset->type;
    for (auto rd : item.zone->rdata(*item.rrset)) {
      if (n == dnssec::kMaxOnlineRdata) return true;  // too large to sign per answer: left unsigned
      refs[n++] = {rd.data, rd.size};
    }
  } else {
    const DynamicSet& set = plan.dynamic[item.dynamic];
    type = set.type;
    for (std::size_t i = 0; i < set.count; ++i) refs[n++] = {set.rdata[i], set.rdlen[i]};
  }
  Signature sigs[kMaxSigningKeys];
  const std::size_t count = sign_online(plan, item.owner, type, item.ttl, {refs, n}, sigs);
  return put_rrsigs(w, item.owner, item.ttl, z.zone().origin(), sigs, count);
}

bool put_nsec(dns::Writer& w, const Plan& plan) noexcept {
  const DenialNsec& nsec = plan.nsec;
  // Next name "\000.<owner>" (RFC 9824 3.1): the owner's immediate successor in canonical order, so the
  // NSEC covers no name but its own. A name too long for the extra label names itself instead.
  std::uint8_t rdata[2 + dns::kMaxNameLen + 34 * kMaxNsecTypes];  // each type in its own window at worst
  const std::size_t len = dns::name_length(nsec.lowner);
  std::size_t pos = 0;
  if (len + 2 <= dns::kMaxNameLen) {
    rdata[pos++] = 1;
    rdata[pos++] = 0;
  }
  std::memcpy(rdata + pos, nsec.lowner, len);
  pos += len;
  pos += dnssec::type_bitmap({nsec.types, nsec.type_count}, rdata + pos);
  const auto rdlen = static_cast<std::uint16_t>(pos);
  if (!w.put_rr(nsec.owner, rrtype::kNSEC, dns::rrclass::kIN, nsec.ttl, rdata, rdlen)) return false;
  const dnssec::RdataRef ref{rdata, rdlen};
  Signature sigs[kMaxSigningKeys];
  const std::size_t count =
      plan.dnssec->sign(nsec.lowner, rrtype::kNSEC, nsec.ttl, {&ref, 1}, plan.now, sigs);
  return put_rrsigs(w, nsec.owner, nsec.ttl, plan.dnssec->zone().origin(), sigs, count);
}

}  // namespace sgdns::engine
