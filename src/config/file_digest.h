// SPDX-License-Identifier: MIT
// SHA-256 of a configuration file's bytes, for /v1/status (private to config).
#pragma once
#include <string>
#include <string_view>

namespace sgdns::config {

/// Lowercase hex SHA-256 (OpenSSL), the form `sha256sum` prints; "" if OpenSSL fails.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace sgdns::config
