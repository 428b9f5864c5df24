// SPDX-License-Identifier: MIT
// What a reload keeps of a zone's previous static signatures (private to the dnssec module).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sgdns/dnssec/signed_zone.h"

namespace sgdns::dnssec {

/// Finds, for an RRset of a zone being signed, the signatures the previous version of the zone holds
/// for the very same RRset: same owner, type, TTL and RDATA set, signed by the same keys in the same
/// order, and not due for refresh. An RRSIG covers nothing else (its signer is the zone's origin, which
/// is the same zone), so such a signature is as good as a new one; it keeps its own validity window.
class SignatureReuse {
 public:
  /// `keys` and `validity` are the new version's; `previous` may be null (nothing is ever found then).
  SignatureReuse(const SignedZone* previous, std::span<const ZoneKey> keys, const Validity& validity);

  /// The previous signatures of `set` (an RRset of `zone` at `node`) when they can be kept at `now`;
  /// empty otherwise. `key_type`: DNSKEY, CDS or CDNSKEY (signed by the KSKs and CSKs).
  [[nodiscard]] std::span<const Signature> find(const zone::Zone& zone, const zone::Node& node,
                                                const zone::RRset& set, bool key_type,
                                                std::uint32_t now) const;

  /// The same for record `r` of `chain`, the NSEC chain of `zone`: the previous chain's record at the
  /// same owner, when its RDATA (next name, type bit maps) and TTL are the same.
  [[nodiscard]] std::span<const Signature> find_nsec(const zone::Zone& zone, const NsecChain& chain,
                                                     const NsecChain::Record& r, std::uint32_t now) const;

 private:
  const SignedZone* previous_ = nullptr;
  /// Per kind of RRset ([0] data, [1] DNSKEY/CDS/CDNSKEY): the keys that sign it are the previous
  /// version's, and how many there are (the signatures an RRset must have to be kept).
  bool same_signers_[2] = {false, false};
  std::size_t signer_count_[2] = {0, 0};
  /// Per node of the previous zone: its record in the previous NSEC chain, or -1.
  std::vector<std::int32_t> previous_nsec_;
};

}  // namespace sgdns::dnssec
