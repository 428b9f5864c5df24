// SPDX-License-Identifier: MIT
// Keeping a reloaded zone's unchanged signatures: same RRset (or NSEC record), same keys, not yet due for
// refresh.
#include "signature_reuse.h"

#include <algorithm>
#include <cstring>

#include "sgdns/dns/name.h"

namespace sgdns::dnssec {
namespace {

/// The DNSKEY RDATA of the keys that sign one kind of RRset, in the order SignedZone signs with them
/// (its signatures of an RRset are stored in that order). The RDATA holds flags, algorithm and public
/// key, so equal lists mean the same keys (a private key is checked against its public key at load).
std::vector<std::vector<std::uint8_t>> signers(std::span<const ZoneKey> keys, bool key_type) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const ZoneKey& k : keys) {
    if (!k.signs) continue;
    // As SignedZone: KSKs and CSKs sign DNSKEY/CDS/CDNSKEY, ZSKs and CSKs everything else.
    if (key_type ? k.role == KeyRole::Zsk : k.role == KeyRole::Ksk) continue;
    out.push_back(k.key.dnskey_rdata);
  }
  return out;
}

bool item_less(const zone::RdataRange::Item& a, const zone::RdataRange::Item& b) {
  if (a.size != b.size) return a.size < b.size;
  return std::memcmp(a.data, b.data, a.size) < 0;
}

bool item_equal(const zone::RdataRange::Item& a, const zone::RdataRange::Item& b) {
  return a.size == b.size && std::memcmp(a.data, b.data, a.size) == 0;
}

/// The same RDATA set, in whatever order the zone file lists it (a signature covers the RRset in
/// canonical order, RFC 4034 6.3, so the order in the file does not matter).
bool same_rdata(const zone::Zone& a, const zone::RRset& x, const zone::Zone& b, const zone::RRset& y) {
  if (x.count != y.count || x.rdata_size != y.rdata_size) return false;
  const zone::RdataRange rx = a.rdata(x), ry = b.rdata(y);
  // Usually nothing moved: the same records in the same order.
  bool in_order = true;
  for (auto ix = rx.begin(), iy = ry.begin(); ix != rx.end(); ++ix, ++iy) {
    if (!item_equal(*ix, *iy)) {
      in_order = false;
      break;
    }
  }
  if (in_order) return true;
  // Reordered in the file, or different: compare as sorted lists (no duplicates: the zone refuses them).
  std::vector<zone::RdataRange::Item> ix, iy;
  for (auto item : rx) ix.push_back(item);
  for (auto item : ry) iy.push_back(item);
  std::sort(ix.begin(), ix.end(), item_less);
  std::sort(iy.begin(), iy.end(), item_less);
  return std::equal(ix.begin(), ix.end(), iy.begin(), iy.end(), item_equal);
}

}  // namespace

SignatureReuse::SignatureReuse(const SignedZone* previous, std::span<const ZoneKey> keys,
                               const Validity& validity) {
  // Signatures made under another validity policy would not keep to this one.
  if (!previous || previous->validity() != validity) return;
  previous_ = previous;
  for (int kind = 0; kind < 2; ++kind) {
    const auto now = signers(keys, kind == 1);
    same_signers_[kind] = now == signers(previous->keys(), kind == 1);
    signer_count_[kind] = now.size();
  }
  const auto records = previous->nsec_chain().records();
  previous_nsec_.assign(previous->zone().nodes().size(), -1);
  for (std::size_t i = 0; i < records.size(); ++i)
    previous_nsec_[records[i].node] = static_cast<std::int32_t>(i);
}

std::span<const Signature> SignatureReuse::find(const zone::Zone& zone, const zone::Node& node,
                                                const zone::RRset& set, bool key_type,
                                                std::uint32_t now) const {
  const int kind = key_type ? 1 : 0;
  if (!previous_ || !same_signers_[kind]) return {};
  const zone::Zone& old = previous_->zone();
  const std::uint8_t* owner = zone.name(node);
  const zone::Node* old_node = old.find(owner, dns::name_length(owner));
  if (!old_node) return {};
  const zone::RRset* old_set = old.find_rrset(*old_node, set.type);
  if (!old_set || old_set->ttl != set.ttl || !same_rdata(old, *old_set, zone, set)) return {};
  // Empty when due for refresh, or when the old version did not sign it (glue that became data).
  std::span<const Signature> kept = previous_->static_signatures(*old_set, now);
  return kept.size() == signer_count_[kind] ? kept : std::span<const Signature>{};
}

std::span<const Signature> SignatureReuse::find_nsec(const zone::Zone& zone, const NsecChain& chain,
                                                     const NsecChain::Record& r, std::uint32_t now) const {
  if (!previous_ || !same_signers_[0]) return {};  // NSEC records are signed with the zone-data keys
  const zone::Zone& old = previous_->zone();
  const NsecChain& old_chain = previous_->nsec_chain();
  const std::uint8_t* owner = zone.name(zone.node(static_cast<std::int32_t>(r.node)));
  const zone::Node* old_node = old.find(owner, dns::name_length(owner));
  if (!old_node || old_chain.ttl() != chain.ttl()) return {};
  const std::int32_t i = previous_nsec_[static_cast<std::size_t>(old_node - old.nodes().data())];
  if (i < 0) return {};
  const RdataRef now_rdata = chain.rdata(r);
  const RdataRef old_rdata = old_chain.rdata(old_chain.records()[static_cast<std::size_t>(i)]);
  if (now_rdata.size != old_rdata.size || std::memcmp(now_rdata.data, old_rdata.data, now_rdata.size) != 0)
    return {};
  std::span<const Signature> kept = previous_->nsec_signatures(static_cast<std::size_t>(i), now);
  return kept.size() == signer_count_[0] ? kept : std::span<const Signature>{};
}

}  // namespace sgdns::dnssec
