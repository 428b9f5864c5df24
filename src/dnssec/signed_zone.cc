// SPDX-License-Identifier: MIT
// Load-time signing of a zone's static data (what a reload did not change keeps its signatures), and
// per-query signing through the signature cache.
#include "sgdns/dnssec/signed_zone.h"

#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "signature_reuse.h"

namespace sgdns::dnssec {
namespace {

namespace rrtype = dns::rrtype;
constexpr std::uint16_t kCds = 59, kCdnskey = 60;

std::string role_text(KeyRole r) {
  return r == KeyRole::Csk ? "CSK" : r == KeyRole::Ksk ? "KSK" : "ZSK";
}

}  // namespace

bool SignedZone::is_key_type(std::uint16_t type) noexcept {
  return type == rrtype::kDNSKEY || type == kCds || type == kCdnskey;
}

SignedZone::SignedZone(std::shared_ptr<const zone::Zone> zone, std::vector<ZoneKey> keys, Validity validity,
                       std::shared_ptr<SignatureCache> cache, std::uint32_t now, const SignedZone* previous)
    : zone_(std::move(zone)), keys_(std::move(keys)), validity_(validity), cache_(std::move(cache)) {
  const std::string origin = zone_->origin_text();
  std::size_t for_keys = 0, for_data = 0;
  for (const ZoneKey& k : keys_) {
    if (k.key.owner.size() != dns::name_length(zone_->origin()) ||
        std::memcmp(k.key.owner.data(), zone_->origin(), k.key.owner.size()) != 0)
      throw KeyError("zone " + origin + ": key " + std::to_string(k.key.tag) + " belongs to zone " +
                     dns::name_to_text(k.key.owner.data()));
    if (!k.signs) continue;
    const bool ksk = k.role != KeyRole::Zsk, zsk = k.role != KeyRole::Ksk;
    if ((k.key.flags & kSepFlag) == 0 && ksk)
      throw KeyError(
          "zone " + origin + ": key " + std::to_string(k.key.tag) + " is a " + role_text(k.role) +
          " but its flags (256) lack the SEP bit: make it with ldns-keygen -k / dnssec-keygen -f KSK");
    signing_.push_back({std::make_unique<Signer>(k.key), k.key.tag, k.key.algorithm, ksk, zsk});
    for_keys += ksk;
    for_data += zsk;
  }
  if (for_keys == 0 || for_data == 0)
    throw KeyError("zone " + origin + ": no active key signs the " +
                   std::string(for_keys == 0 ? "DNSKEY RRset (a KSK or CSK)" : "zone data (a ZSK or CSK)"));
  if (for_keys > kMaxSigningKeys || for_data > kMaxSigningKeys)
    throw KeyError("zone " + origin + ": more than " + std::to_string(kMaxSigningKeys) +
                   " active keys of one role");

  static_begin_.assign(zone_->rrset_count() + 1, 0);
  static_refresh_.assign(zone_->rrset_count(), 0);
  const SignatureReuse reuse(previous, keys_, validity_);
  std::vector<RdataRef> rdata;
  for (const zone::Node& node : zone_->nodes()) {
    if (node.flags & zone::node_flag::kBelowCut) continue;  // glue: not authoritative, never signed
    for (const zone::RRset& set : zone_->rrsets(node)) {
      const std::size_t index = zone_->rrset_index(set);
      static_begin_[index] = static_cast<std::uint32_t>(static_.size());
      // At a delegation only DS is the parent's data (RFC 4035 2.2); the NS RRset is the child's.
      if ((node.flags & zone::node_flag::kDelegation) && set.type != rrtype::kDS) continue;
      const auto kept = reuse.find(*zone_, node, set, is_key_type(set.type), now);
      if (!kept.empty()) {
        static_.insert(static_.end(), kept.begin(), kept.end());
        static_refresh_[index] = kept.front().expiration() - validity_.refresh;
        ++load_stats_.kept_rrsets;
        continue;
      }
      ++load_stats_.signed_rrsets;
      rdata.clear();
      for (auto rd : zone_->rdata(set)) rdata.push_back({rd.data, rd.size});
      SigningInput in{zone_->name(node), zone_->origin(), set.type, set.ttl, 0, 0};
      const std::uint32_t jitter = (index * 2654435761u) % (validity_.jitter + 1);
      in.inception = now - validity_.backdate;
      in.expiration = now + validity_.lifetime - jitter;
      static_refresh_[index] = in.expiration - validity_.refresh;
      for (const SigningKey& k : signing_) {
        if (is_key_type(set.type) ? !k.for_keys : !k.for_data) continue;
        Signature sig;
        if (!sign_one(k, in, rdata, sig))
          throw KeyError("zone " + origin + ": OpenSSL failed to sign with key " + std::to_string(k.tag));
        static_.push_back(sig);
      }
    }
  }
  // Fill the start of every unsigned RRset's (empty) range, and the end marker.
  static_begin_.back() = static_cast<std::uint32_t>(static_.size());
  for (std::size_t i = zone_->rrset_count(); i-- > 0;) {
    if (static_refresh_[i] == 0) static_begin_[i] = static_begin_[i + 1];
  }
  sign_nsec_chain(now, reuse);
}

bool SignedZone::sign_one(const SigningKey& key, const SigningInput& in, std::span<const RdataRef> rdata,
                          Signature& out) const {
  return sign_rrset(*key.signer, key.tag, in, rdata, out);
}

std::span<const Signature> SignedZone::static_signatures(const zone::RRset& set,
                                                         std::uint32_t now) const noexcept {
  const std::size_t index = zone_->rrset_index(set);
  if (now >= static_refresh_[index]) return {};
  return {static_.data() + static_begin_[index], static_begin_[index + 1] - static_begin_[index]};
}

std::size_t SignedZone::sign(const std::uint8_t* owner, std::uint16_t type, std::uint32_t ttl,
                             std::span<const RdataRef> rdata, std::uint32_t now,
                             Signature* out) const noexcept {
  if (rdata.size() > kMaxOnlineRdata) return 0;
  const std::size_t owner_len = dns::name_length(owner);
  std::size_t n = 0;
  for (const SigningKey& k : signing_) {
    if (is_key_type(type) ? !k.for_keys : !k.for_data) continue;
    ContentKey key = cache_->header(owner, owner_len, type, ttl, k.tag, k.algorithm);
    for (RdataRef r : rdata) cache_->add(key, r.data, r.size);
    if (cache_->find(key, now, out[n])) {
      ++n;
      continue;
    }
    SigningInput in{owner, zone_->origin(), type, ttl, now - validity_.backdate, 0};
    in.expiration = now + validity_.lifetime - static_cast<std::uint32_t>(key.b % (validity_.jitter + 1u));
    try {
      if (!sign_one(k, in, rdata, out[n])) continue;
    } catch (const std::bad_alloc&) {
      continue;  // answered without this signature: the resolver retries, we do not crash
    }
    online_.fetch_add(1, std::memory_order_relaxed);
    cache_->insert(key, out[n], in.expiration - validity_.refresh);
    ++n;
  }
  return n;
}

}  // namespace sgdns::dnssec
