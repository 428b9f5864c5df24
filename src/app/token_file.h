// SPDX-License-Identifier: MIT
// Reading the admin bearer token from a file, shared by the server (admin.token_file) and `sgdns ctl`.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace sgdns::app {

/// The shortest admin token accepted: shorter ones are guessable.
inline constexpr std::size_t kMinTokenLength = 16;

/// The file's text without trailing whitespace (an editor's or `echo`'s newline is not part of the token);
/// nullopt when the file cannot be read.
[[nodiscard]] std::optional<std::string> read_token_file(const std::string& path);

/// True when group or others may read the file (a secret should be mode 0600, owned by the server's user).
[[nodiscard]] bool readable_by_others(const std::string& path);

}  // namespace sgdns::app
