// SPDX-License-Identifier: MIT
// Signing a zone's NSEC chain at load, beside its static RRsets, with the keys that sign zone data (a
// reload keeps the signatures of the records it did not change).
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dnssec/signed_zone.h"
#include "signature_reuse.h"

namespace sgdns::dnssec {

void SignedZone::sign_nsec_chain(std::uint32_t now, const SignatureReuse& reuse) {
  nsec_chain_ = NsecChain(*zone_);
  const auto records = nsec_chain_.records();
  nsec_begin_.assign(records.size() + 1, 0);
  nsec_refresh_.assign(records.size(), 0);
  std::size_t data_keys = 0;
  for (const SigningKey& k : signing_) data_keys += k.for_data;
  nsec_signatures_.reserve(records.size() * data_keys);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const NsecChain::Record& r = records[i];
    nsec_begin_[i] = static_cast<std::uint32_t>(nsec_signatures_.size());
    // A reload: an NSEC record whose owner, next name, bit map and TTL did not change keeps its signatures.
    if (const auto kept = reuse.find_nsec(*zone_, nsec_chain_, r, now); !kept.empty()) {
      nsec_signatures_.insert(nsec_signatures_.end(), kept.begin(), kept.end());
      nsec_refresh_[i] = kept.front().expiration() - validity_.refresh;
      ++load_stats_.kept_rrsets;
      continue;
    }
    ++load_stats_.signed_rrsets;
    const RdataRef rdata = nsec_chain_.rdata(r);
    SigningInput in{zone_->name(zone_->node(static_cast<std::int32_t>(r.node))),
                    zone_->origin(),
                    dns::rrtype::kNSEC,
                    nsec_chain_.ttl(),
                    now - validity_.backdate,
                    0};
    // Spread like the static RRsets' (continuing their index), so a zone's signatures do not all expire
    // in the same hour.
    const std::uint32_t jitter =
        static_cast<std::uint32_t>((zone_->rrset_count() + i) * 2654435761u) % (validity_.jitter + 1);
    in.expiration = now + validity_.lifetime - jitter;
    nsec_refresh_[i] = in.expiration - validity_.refresh;
    for (const SigningKey& k : signing_) {
      if (!k.for_data) continue;
      Signature sig;
      if (!sign_one(k, in, {&rdata, 1}, sig))
        throw KeyError("zone " + zone_->origin_text() + ": OpenSSL failed to sign with key " +
                       std::to_string(k.tag));
      nsec_signatures_.push_back(sig);
    }
  }
  nsec_begin_.back() = static_cast<std::uint32_t>(nsec_signatures_.size());
}

std::span<const Signature> SignedZone::nsec_signatures(std::size_t i, std::uint32_t now) const noexcept {
  if (i >= nsec_refresh_.size() || now >= nsec_refresh_[i]) return {};
  return {nsec_signatures_.data() + nsec_begin_[i], nsec_begin_[i + 1] - nsec_begin_[i]};
}

}  // namespace sgdns::dnssec
