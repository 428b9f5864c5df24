// SPDX-License-Identifier: MIT
// Zone lookups on the compiled form: exact node match and RRset by type.
#include "sgdns/zone/zone.h"

#include "sgdns/dns/name.h"

namespace sgdns::zone {

std::string Zone::origin_text() const {
  return dns::name_to_text(origin());
}

const Node* Zone::find(const std::uint8_t* lname, std::size_t len) const noexcept {
  auto it = index_.find(std::string_view(reinterpret_cast<const char*>(lname), len));
  return it == index_.end() ? nullptr : &nodes_[static_cast<std::size_t>(it->second)];
}

const RRset* Zone::find_rrset(const Node& n, std::uint16_t type) const noexcept {
  for (const RRset& s : rrsets(n)) {
    if (s.type == type) return &s;
  }
  return nullptr;
}

}  // namespace sgdns::zone
