// SPDX-License-Identifier: MIT
// lookup_database: one address against a MaxMind DB, for explain output (not on the query path).
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "mmdb_file.h"
#include "sgdns/geo/mmdb.h"

namespace sgdns::geo {
namespace {

using detail::MmdbFile;

bool is_v4_mapped(const in6_addr& address) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(address.s6_addr, kPrefix, sizeof kPrefix) == 0;
}

/// IPv4 lookups in an IPv6 tree start at ::/96, and libmaxminddb reports their netmask as the tree depth.
int family_prefix_length(const MmdbFile& file, int family, int netmask) {
  if (family == AF_INET && file.db().metadata.ip_version == 6) return std::max(0, netmask - 96);
  return netmask;
}

std::optional<Found> lookup_plain(const MmdbFile& file, detail::FieldReader& reader,
                                  const sockaddr* address) {
  int status = MMDB_SUCCESS;
  const MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&file.db(), address, &status);
  // An IPv6 address has no answer in an IPv4-only database; that is "not found", not a broken file.
  if (status == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) return std::nullopt;
  if (status != MMDB_SUCCESS) detail::throw_mmdb_error(file.path(), status);
  if (!result.found_entry) return std::nullopt;
  Found found;
  found.location = reader.decode(file, result.entry);
  found.prefix_length = family_prefix_length(file, address->sa_family, result.netmask);
  return found;
}

}  // namespace

// IPv4-mapped addresses are looked up as IPv4 (prefix length + 96), as NetMap answers them: the walk
// skips ::ffff:0:0/96, so explain must not report what a database stores there.
std::optional<Found> lookup_database(const DatabaseSpec& spec, const sockaddr* address) {
  if (address == nullptr || (address->sa_family != AF_INET && address->sa_family != AF_INET6)) {
    return std::nullopt;
  }
  const MmdbFile file(spec.path);
  detail::FieldReader reader(spec.fields ? *spec.fields : common_layout_paths());
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (is_v4_mapped(v6->sin6_addr)) {
      sockaddr_in v4{};
      v4.sin_family = AF_INET;
      std::memcpy(&v4.sin_addr, v6->sin6_addr.s6_addr + 12, 4);
      std::optional<Found> found = lookup_plain(file, reader, reinterpret_cast<const sockaddr*>(&v4));
      if (found) found->prefix_length += 96;
      return found;
    }
  }
  return lookup_plain(file, reader, address);
}

}  // namespace sgdns::geo
