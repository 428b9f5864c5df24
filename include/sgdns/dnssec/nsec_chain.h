// SPDX-License-Identifier: MIT
// NsecChain: the RFC 4034 NSEC chain of a zone's static data, for zone transfers to stock secondaries.
//
// sgdns answers deny online and compactly (RFC 9824); a stock secondary cannot, so an AXFR of a signed
// zone carries a classic chain instead: one NSEC per name that has authoritative data in the transfer, in
// canonical order, the last pointing back to the apex. Built once per load, never read on the query path.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sgdns/dnssec/rrsig.h"
#include "sgdns/zone/zone.h"

namespace sgdns::dnssec {

/// RFC 4034 6.1 canonical order of two wire names: label by label from the root, each label compared
/// as lowercase octets (a label that is a prefix of another sorts first); a name sorts before its
/// descendants. Negative, zero or positive as a < b, a == b, a > b.
[[nodiscard]] int canonical_compare(const std::uint8_t* a, const std::uint8_t* b) noexcept;

class NsecChain {
 public:
  struct Record {
    std::uint32_t node = 0;         // the owner: an index into the zone's nodes
    std::uint32_t rdata_begin = 0;  // into the chain's RDATA bytes
    std::uint16_t rdata_size = 0;   // next owner name, type bit maps
  };

  NsecChain() = default;
  /// The chain of `zone`: every node with records in an AXFR that is not glue (below a cut), so empty
  /// non-terminals and names with only policy (geo) answers are not owners. At a delegation the bit map
  /// lists NS and DS only (RFC 4035 2.3); everywhere RRSIG and NSEC are added. TTL: the zone's negative
  /// TTL, min(SOA TTL, SOA MINIMUM) (RFC 4035 2.3 as updated by RFC 9077).
  explicit NsecChain(const zone::Zone& zone);

  [[nodiscard]] std::span<const Record> records() const noexcept { return records_; }
  [[nodiscard]] RdataRef rdata(const Record& r) const noexcept {
    return {rdata_.data() + r.rdata_begin, r.rdata_size};
  }
  [[nodiscard]] std::uint32_t ttl() const noexcept { return ttl_; }
  /// Heap bytes held (records and RDATA), for the docs' memory figure.
  [[nodiscard]] std::size_t bytes() const noexcept {
    return records_.capacity() * sizeof(Record) + rdata_.capacity();
  }

 private:
  std::vector<Record> records_;
  std::vector<std::uint8_t> rdata_;
  std::uint32_t ttl_ = 0;
};

}  // namespace sgdns::dnssec
