// SPDX-License-Identifier: MIT
// SHA-256 in hex: the configuration file's bytes for /v1/status, and the digests the fleet compares.
#pragma once
#include <string>
#include <string_view>

namespace sgdns::config {

/// Lowercase hex SHA-256 (OpenSSL), the form `sha256sum` prints; "" if OpenSSL fails.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace sgdns::config
