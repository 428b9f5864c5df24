// SPDX-License-Identifier: MIT
// RFC 1982 serial number arithmetic on 32-bit SOA serials: which of two serials is newer.
#pragma once
#include <cstdint>

namespace sgdns::dns {

/// True when serial `a` is newer than `b` (RFC 1982 section 3.2). Two serials exactly 2^31 apart are
/// undefined there; here neither is newer, so a zone never moves on such a jump.
[[nodiscard]] constexpr bool serial_newer(std::uint32_t a, std::uint32_t b) noexcept {
  return a != b && (static_cast<std::uint32_t>(a - b) < 0x80000000u);
}

}  // namespace sgdns::dns
