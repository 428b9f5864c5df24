// SPDX-License-Identifier: MIT
// SignedZone: a zone's keys and the signatures of its static data, made when the zone is loaded.
//
// Static RRsets are signed once at load into a table indexed like the zone's RRsets (a reload copies
// the signatures of RRsets it did not change from the version before, signature_reuse.h); answers that only
// exist per query (geo and weighted choices, compact-denial NSECs, wildcard expansions) are signed when
// first given and kept in the shared SignatureCache. A static signature past its refresh time is not
// served from the table any more: it goes through the cache like dynamic data, so a long-running server
// re-signs before expiry without a reload.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sgdns/dnssec/key.h"
#include "sgdns/dnssec/nsec_chain.h"
#include "sgdns/dnssec/rrsig.h"
#include "sgdns/dnssec/signature_cache.h"
#include "sgdns/zone/zone.h"

namespace sgdns::dnssec {

class SignatureReuse;  // signature_reuse.h, private to the module

/// CSK: signs everything. KSK: signs the DNSKEY RRset (and CDS/CDNSKEY). ZSK: signs the rest.
enum class KeyRole : std::uint8_t { Csk, Ksk, Zsk };

struct ZoneKey {
  KeyPair key;
  KeyRole role = KeyRole::Csk;
  /// False for a key that is published in the DNSKEY RRset but does not sign yet (a ZSK pre-published for
  /// a rollover) or any more (retired, still published until caches have dropped its signatures).
  bool signs = true;
};

/// Signature lifetimes (RFC 6781 4.4.2): long enough to survive a server being unreachable for days,
/// re-signed long before they expire.
struct Validity {
  std::uint32_t lifetime = 14 * 86400;  // expiration = now + lifetime - jitter
  std::uint32_t jitter = 86400;  // spread by content, so signatures made together do not all expire together
  std::uint32_t refresh = 7 * 86400;  // re-signed once less than this is left (far above any TTL)
  std::uint32_t backdate = 3600;      // inception = now - backdate: validators with slow clocks
  friend bool operator==(const Validity&, const Validity&) = default;
};

/// At most this many keys sign any one RRset (two during a double-signature rollover, with room).
inline constexpr std::size_t kMaxSigningKeys = 4;
/// A synthesized RRset with more RRs than this is answered without signatures (it cannot validate).
inline constexpr std::size_t kMaxOnlineRdata = 64;

class SignedZone {
 public:
  /// Signs every authoritative static RRset (not NS at a delegation, not glue). With `previous`, the
  /// zone's SignedZone before a reload, an RRset whose owner, type, TTL, RDATA set and signing keys are
  /// all unchanged keeps its signatures (until they are due for refresh): a reload signs only what
  /// changed. `previous` is only read here, never kept. Throws KeyError when a role has no signing key
  /// or OpenSSL fails.
  SignedZone(std::shared_ptr<const zone::Zone> zone, std::vector<ZoneKey> keys, Validity validity,
             std::shared_ptr<SignatureCache> cache, std::uint32_t now, const SignedZone* previous = nullptr);

  [[nodiscard]] const zone::Zone& zone() const noexcept { return *zone_; }
  [[nodiscard]] const std::vector<ZoneKey>& keys() const noexcept { return keys_; }
  [[nodiscard]] const Validity& validity() const noexcept { return validity_; }

  /// How the static RRsets and the NSEC chain's records got their signatures when this version was made:
  /// signed then, or kept from the previous version (reload log line, sgdns_dnssec_static_rrsets).
  struct LoadStats {
    std::size_t signed_rrsets = 0;
    std::size_t kept_rrsets = 0;
  };
  [[nodiscard]] const LoadStats& load_stats() const noexcept { return load_stats_; }

  /// The load-time signatures of a static RRset still good at `now`; empty when there are none (not
  /// signed, or due for refresh: then call sign()).
  [[nodiscard]] std::span<const Signature> static_signatures(const zone::RRset& set,
                                                             std::uint32_t now) const noexcept;

  /// Signatures for an RRset made per query: from the cache, or signed now (allocates only then) and
  /// cached. `owner` is lowercase. Returns how many were written to `out` (kMaxSigningKeys room).
  [[nodiscard]] std::size_t sign(const std::uint8_t* owner, std::uint16_t type, std::uint32_t ttl,
                                 std::span<const RdataRef> rdata, std::uint32_t now,
                                 Signature* out) const noexcept;

  /// The NSEC chain of the static data, signed at load: what an AXFR carries for stock secondaries
  /// (answers deny compactly and never use it).
  [[nodiscard]] const NsecChain& nsec_chain() const noexcept { return nsec_chain_; }
  /// The load-time signatures of the chain's record `i` still good at `now`; empty when due for refresh
  /// (then sign()).
  [[nodiscard]] std::span<const Signature> nsec_signatures(std::size_t i, std::uint32_t now) const noexcept;

  /// Signatures made on the query path since load (cache misses), for tests and metrics.
  [[nodiscard]] std::uint64_t online_signatures() const noexcept {
    return online_.load(std::memory_order_relaxed);
  }

 private:
  struct SigningKey {
    std::unique_ptr<Signer> signer;
    std::uint16_t tag;
    std::uint8_t algorithm;
    bool for_keys;  // signs DNSKEY, CDS, CDNSKEY
    bool for_data;  // signs everything else
  };
  [[nodiscard]] bool sign_one(const SigningKey& key, const SigningInput& in, std::span<const RdataRef> rdata,
                              Signature& out) const;
  [[nodiscard]] static bool is_key_type(std::uint16_t type) noexcept;
  /// Builds and signs nsec_chain_ (signed_nsec_chain.cc): the constructor's last step. A record that
  /// `reuse` finds unchanged in the previous version keeps its signatures.
  void sign_nsec_chain(std::uint32_t now, const SignatureReuse& reuse);

  std::shared_ptr<const zone::Zone> zone_;
  std::vector<ZoneKey> keys_;
  std::vector<SigningKey> signing_;
  Validity validity_;
  std::shared_ptr<SignatureCache> cache_;
  NsecChain nsec_chain_;
  std::vector<std::uint32_t> nsec_begin_;  // per chain record: first signature in nsec_signatures_; one extra
  std::vector<Signature> nsec_signatures_;
  std::vector<std::uint32_t> nsec_refresh_;  // per chain record
  std::vector<std::uint32_t>
      static_begin_;  // per RRset index: first signature in static_; one extra at the end
  std::vector<Signature> static_;
  std::vector<std::uint32_t> static_refresh_;  // per RRset index: when its signatures go through sign()
  mutable std::atomic<std::uint64_t> online_{0};
  LoadStats load_stats_;
};

}  // namespace sgdns::dnssec
