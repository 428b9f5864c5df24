// SPDX-License-Identifier: MIT
// Durable file writes for what sgdns keeps on disk (journals, secondary copies, overrides): every byte
// written and fsynced before the caller renames the file into place.
#pragma once
#include <string>
#include <string_view>

namespace sgdns::util {

/// Writes all of `text` to the open descriptor `fd` (retrying short writes and EINTR). Throws
/// std::runtime_error naming `path` and the reason.
void write_all(int fd, std::string_view text, const std::string& path);

/// Creates or truncates `path` (mode 0644), writes `text` and fsyncs it. Throws std::runtime_error naming
/// `path` and the reason; the file may then hold part of `text`.
void write_synced(const std::string& path, std::string_view text);

}  // namespace sgdns::util
