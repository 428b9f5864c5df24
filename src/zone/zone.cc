// SPDX-License-Identifier: MIT
// Zone lookups on the compiled form: exact node match and RRset by type.
#include "sgdns/zone/zone.h"

#include <cstring>

#include "sgdns/dns/name.h"

namespace sgdns::zone {

std::string Zone::origin_text() const {
  return dns::name_to_text(origin());
}

const Node* Zone::find(const std::uint8_t* lname, std::size_t len) const noexcept {
  const std::int32_t found = index_.find(name_hash(lname, len), [&](std::int32_t i) {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    return n.name_len == len && std::memcmp(names_.data() + n.name_offset, lname, len) == 0;
  });
  return found < 0 ? nullptr : &nodes_[static_cast<std::size_t>(found)];
}

const RRset* Zone::find_rrset(const Node& n, std::uint16_t type) const noexcept {
  for (const RRset& s : rrsets(n)) {
    if (s.type == type) return &s;
  }
  return nullptr;
}

}  // namespace sgdns::zone
