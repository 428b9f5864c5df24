// SPDX-License-Identifier: MIT
// The difference between two compiled versions of a zone, as one journal change (RFC 1995 order).
#include <cstring>

#include "sgdns/dns/types.h"
#include "sgdns/zone/journal.h"

namespace sgdns::zone {
namespace {

bool same_rdata(const RdataRange::Item& a, const RdataRange::Item& b) {
  return a.size == b.size && (a.size == 0 || std::memcmp(a.data, b.data, a.size) == 0);
}

bool contains(const Zone& z, const RRset& set, const RdataRange::Item& rd) {
  for (auto x : z.rdata(set))
    if (same_rdata(x, rd)) return true;
  return false;
}

/// The RRs of `set` (in `from`) that `other` (in `to`, may be null) lacks or holds with another TTL.
void missing(const Zone& from, const std::uint8_t* owner, const RRset& set, const Zone& to,
             const RRset* other, std::vector<std::uint8_t>& out, std::uint32_t& count) {
  for (auto rd : from.rdata(set)) {
    if (other && other->ttl == set.ttl && contains(to, *other, rd)) continue;
    append_record(out, owner, set.type, set.ttl, rd.data, rd.size);
    ++count;
  }
}

bool same_set(const Zone& a, const RRset& x, const Zone& b, const RRset& y) {
  if (x.ttl != y.ttl || x.count != y.count || x.rdata_size != y.rdata_size) return false;
  auto rx = a.rdata(x);
  auto ry = b.rdata(y);
  auto ix = rx.begin(), iy = ry.begin();
  for (; ix != rx.end(); ++ix, ++iy)
    if (!same_rdata(*ix, *iy)) return false;
  return true;
}

/// Every RR of `from` that `to` does not hold, SOA excluded (it is written first by the caller).
void one_way(const Zone& from, const Zone& to, std::vector<std::uint8_t>& out, std::uint32_t& count) {
  for (const Node& n : from.nodes()) {
    const std::uint8_t* owner = from.name(n);
    const Node* peer = to.find(owner, n.name_len);
    for (const RRset& set : from.rrsets(n)) {
      if (set.type == dns::rrtype::kSOA) continue;
      const RRset* other = peer ? to.find_rrset(*peer, set.type) : nullptr;
      if (other && same_set(from, set, to, *other)) continue;
      missing(from, owner, set, to, other, out, count);
    }
  }
}

void append_soa(const Zone& z, std::vector<std::uint8_t>& out) {
  const RRset* soa = z.find_rrset(z.apex(), dns::rrtype::kSOA);
  for (auto rd : z.rdata(*soa)) append_record(out, z.origin(), dns::rrtype::kSOA, soa->ttl, rd.data, rd.size);
}

}  // namespace

void append_record(std::vector<std::uint8_t>& out, const std::uint8_t* owner, std::uint16_t type,
                   std::uint32_t ttl, const std::uint8_t* rdata, std::uint16_t rdlen) {
  out.insert(out.end(), owner, owner + dns::name_length(owner));
  const std::uint8_t fixed[10] = {static_cast<std::uint8_t>(type >> 8),
                                  static_cast<std::uint8_t>(type),
                                  0,
                                  static_cast<std::uint8_t>(dns::rrclass::kIN),
                                  static_cast<std::uint8_t>(ttl >> 24),
                                  static_cast<std::uint8_t>(ttl >> 16),
                                  static_cast<std::uint8_t>(ttl >> 8),
                                  static_cast<std::uint8_t>(ttl),
                                  static_cast<std::uint8_t>(rdlen >> 8),
                                  static_cast<std::uint8_t>(rdlen)};
  out.insert(out.end(), fixed, fixed + 10);
  if (rdlen) out.insert(out.end(), rdata, rdata + rdlen);
}

JournalChange diff(const Zone& before, const Zone& after) {
  JournalChange c;
  c.from = before.serial();
  c.to = after.serial();
  append_soa(before, c.removed);
  append_soa(after, c.added);
  c.removed_count = c.added_count = 1;
  one_way(before, after, c.removed, c.removed_count);
  one_way(after, before, c.added, c.added_count);
  return c;
}

}  // namespace sgdns::zone
