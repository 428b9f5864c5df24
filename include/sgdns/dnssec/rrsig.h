// SPDX-License-Identifier: MIT
// RRSIG: the canonical form an RRset is signed in (RFC 4034 3.1.8.1, 6.2, 6.3) and the signed result.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sgdns/dnssec/key.h"

namespace sgdns::dnssec {

/// An RRSIG's RDATA without the signer name: type covered, algorithm, labels, original TTL, expiration,
/// inception, key tag (18 bytes, RFC 4034 3.1) and the signature. The signer name is always the zone's
/// origin, so it is not stored: 82 bytes per signature.
struct Signature {
  static constexpr std::size_t kFixedSize = 18;
  std::uint8_t bytes[kFixedSize + kSignatureSize] = {};
  [[nodiscard]] std::uint32_t expiration() const noexcept {
    return std::uint32_t{bytes[8]} << 24 | std::uint32_t{bytes[9]} << 16 | std::uint32_t{bytes[10]} << 8 |
           bytes[11];
  }
};

/// One RR's RDATA as it is stored (names in the case they were written).
struct RdataRef {
  const std::uint8_t* data;
  std::uint16_t size;
};

/// What one signature covers and when it is valid.
struct SigningInput {
  const std::uint8_t* owner = nullptr;   // wire form; lowercased for signing
  const std::uint8_t* signer = nullptr;  // the zone's origin, lowercase wire
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::uint32_t inception = 0;
  std::uint32_t expiration = 0;
};

/// Signs the RRset `rdata` (any order) with `key` (tag `tag`). False when OpenSSL fails. Allocates.
[[nodiscard]] bool sign_rrset(const Signer& key, std::uint16_t tag, const SigningInput& input,
                              std::span<const RdataRef> rdata, Signature& out);

/// RFC 4034 4.1.2 type bit maps for `types` (any order, duplicates allowed) into `out` (at least 34 bytes
/// per window used; 8704 is enough for any set). Returns the length written.
[[nodiscard]] std::size_t type_bitmap(std::span<const std::uint16_t> types, std::uint8_t* out) noexcept;

/// RFC 9824 NXNAME: a meta type that says, in a compact-denial NSEC, that the owner does not exist.
inline constexpr std::uint16_t kTypeNxName = 128;

}  // namespace sgdns::dnssec
