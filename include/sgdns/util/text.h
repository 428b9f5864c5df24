// SPDX-License-Identifier: MIT
// Checks and escapes for text that came from outside (HTTP requests, state files) before it is used or
// logged.
#pragma once
#include <string>
#include <string_view>

namespace sgdns::text {

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
[[nodiscard]] bool valid_utf8(std::string_view s) noexcept;

/// True when `s` is valid UTF-8 without control characters (C0, DEL): safe to echo and to log.
[[nodiscard]] bool printable_utf8(std::string_view s) noexcept;

/// `s` made safe for one log line: control characters, backslashes, quotes and invalid UTF-8 bytes become
/// escapes (\n, \t, \\, \", \xNN), so an operator-supplied reason can neither forge a log line nor break a
/// terminal. Longer input is cut at `max_bytes` and marked with "...".
[[nodiscard]] std::string escape(std::string_view s, std::size_t max_bytes = 512);

}  // namespace sgdns::text
