// SPDX-License-Identifier: MIT
// Building the NSEC chain of a zone's static data (RFC 4034 4, 6.1), for AXFR to stock secondaries.
#include "sgdns/dnssec/nsec_chain.h"

#include <algorithm>
#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

namespace sgdns::dnssec {
namespace {

namespace rrtype = dns::rrtype;
namespace node_flag = zone::node_flag;

/// The start of each label of `name`, from the first (leftmost) to the last; returns how many.
int label_starts(const std::uint8_t* name, const std::uint8_t* (&out)[128]) noexcept {
  int n = 0;
  for (const std::uint8_t* p = name; *p != 0 && n < 128; p += 1 + *p) out[n++] = p;
  return n;
}

}  // namespace

int canonical_compare(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  const std::uint8_t* la[128];
  const std::uint8_t* lb[128];
  int na = label_starts(a, la), nb = label_starts(b, lb);
  while (na > 0 && nb > 0) {
    const std::uint8_t* x = la[--na];
    const std::uint8_t* y = lb[--nb];
    const std::size_t common = std::min(x[0], y[0]);
    for (std::size_t i = 1; i <= common; ++i) {
      const std::uint8_t cx = dns::ascii_lower(x[i]), cy = dns::ascii_lower(y[i]);
      if (cx != cy) return cx < cy ? -1 : 1;
    }
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  }
  return na == nb ? 0 : na < nb ? -1 : 1;
}

NsecChain::NsecChain(const zone::Zone& zone) : ttl_(zone.negative_ttl()) {
  const auto nodes = zone.nodes();
  std::vector<std::uint32_t> owners;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    // Glue is not authoritative; a node without records (an empty non-terminal, or a name answered only
    // by the policy) has nothing in the transfer, so at a secondary it does not exist as an owner.
    if ((nodes[i].flags & node_flag::kBelowCut) || nodes[i].rrset_count == 0) continue;
    owners.push_back(static_cast<std::uint32_t>(i));
  }
  std::sort(owners.begin(), owners.end(), [&](std::uint32_t x, std::uint32_t y) {
    return canonical_compare(zone.name(nodes[x]), zone.name(nodes[y])) < 0;
  });
  records_.reserve(owners.size());
  std::vector<std::uint16_t> types;
  std::vector<std::uint8_t> bitmap(8704);
  for (std::size_t k = 0; k < owners.size(); ++k) {
    const zone::Node& node = nodes[owners[k]];
    types.clear();
    const bool cut = (node.flags & node_flag::kDelegation) != 0;
    for (const zone::RRset& set : zone.rrsets(node)) {
      // At a cut only the NS RRset and the parent's DS belong in the bit map (RFC 4034 4.1.2); the zone
      // builder refuses anything else there today, this keeps the chain right should that change.
      if (!cut || set.type == rrtype::kNS || set.type == rrtype::kDS) types.push_back(set.type);
    }
    types.push_back(rrtype::kRRSIG);  // this NSEC's own signature is there, at a cut too
    types.push_back(rrtype::kNSEC);
    const std::uint8_t* next = zone.name(nodes[owners[(k + 1) % owners.size()]]);  // the last: the apex
    const std::size_t next_len = dns::name_length(next);
    const std::size_t bitmap_len = type_bitmap(types, bitmap.data());
    Record r;
    r.node = owners[k];
    r.rdata_begin = static_cast<std::uint32_t>(rdata_.size());
    r.rdata_size = static_cast<std::uint16_t>(next_len + bitmap_len);
    rdata_.insert(rdata_.end(), next, next + next_len);
    rdata_.insert(rdata_.end(), bitmap.begin(), bitmap.begin() + static_cast<std::ptrdiff_t>(bitmap_len));
    records_.push_back(r);
  }
  rdata_.shrink_to_fit();
}

}  // namespace sgdns::dnssec
