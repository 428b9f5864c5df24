// SPDX-License-Identifier: MIT
// Zone lookups on the compiled form: exact node match and RRset by type.
#include "sgdns/zone/zone.h"

#include <cstring>

#include "sgdns/dns/name.h"

namespace sgdns::zone {

std::string Zone::origin_text() const {
  return dns::name_to_text(origin());
}

namespace {

/// Equality of two byte runs of the same length, eight bytes at a time: names are short, and a call to
/// memcmp showed up in the server's profile.
bool same_bytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t len) noexcept {
  if (len < 8) {
    for (std::size_t i = 0; i < len; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  std::uint64_t x, y, diff = 0;
  for (std::size_t i = 0; i + 8 <= len; i += 8) {
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  std::memcpy(&x, a + len - 8, 8);  // the last eight bytes, overlapping what the loop saw
  std::memcpy(&y, b + len - 8, 8);
  return (diff | (x ^ y)) == 0;
}

}  // namespace

const Node* Zone::find(const std::uint8_t* lname, std::size_t len) const noexcept {
  const std::int32_t found = index_.find(name_hash(lname, len), [&](std::int32_t i) {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    return n.name_len == len && same_bytes(names_.data() + n.name_offset, lname, len);
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
