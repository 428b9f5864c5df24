// SPDX-License-Identifier: MIT
// The OpenSSL side of keys: deriving a public key from a private one (private to the dnssec module).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sgdns::dnssec {

/// The DNSKEY public key field for a 32-byte private key: X||Y of the P-256 point (RFC 6605), or the
/// Ed25519 public key (RFC 8080). Empty when the private key is not a valid key of `algorithm`.
[[nodiscard]] std::vector<std::uint8_t> public_from_private(std::uint8_t algorithm,
                                                            std::span<const std::uint8_t> private_key);

/// Base64 (RFC 4648, padding optional, whitespace skipped). False on any other character.
[[nodiscard]] bool base64_decode(std::string_view text, std::vector<std::uint8_t>& out);

}  // namespace sgdns::dnssec
