// SPDX-License-Identifier: MIT
// Domain names in wire form: parsing from packets, case folding, comparison, text conversion.
//
// Everything the query path keeps is an uncompressed wire name: length-prefixed labels ending with the
// root label (0). Any suffix that starts at a label boundary is itself a valid wire name, so walking up
// the tree is pointer arithmetic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sgdns::dns {

/// Reads the name at `off` in `pkt` (following compression pointers when `allow_compression`), writes the
/// uncompressed form to `out` (at least kMaxNameLen bytes) and advances `off` past the name as it stands in
/// the packet. Returns the name's wire length, or 0 when the name is malformed (bad label type, pointer
/// loop or forward pointer, longer than 255 bytes, truncated).
[[nodiscard]] std::size_t read_name(std::span<const std::uint8_t> pkt, std::size_t& off, std::uint8_t* out,
                                    bool allow_compression) noexcept;

/// Length of the uncompressed wire name at `name` (which must be well formed).
[[nodiscard]] std::size_t name_length(const std::uint8_t* name) noexcept;

/// ASCII lowercase of one byte, without a branch (DNS names compare case-insensitively in ASCII only).
[[nodiscard]] constexpr std::uint8_t ascii_lower(std::uint8_t c) noexcept {
  return static_cast<std::uint8_t>(c + (static_cast<std::uint8_t>(c - 'A') < 26 ? 'a' - 'A' : 0));
}

/// ASCII-lowercases the first `len` bytes of a wire name in place (length bytes are never letters).
void name_to_lower(std::uint8_t* name, std::size_t len) noexcept;

/// Case-insensitive equality of two uncompressed wire names.
[[nodiscard]] bool name_equal(const std::uint8_t* a, const std::uint8_t* b) noexcept;

/// Number of labels, not counting the root.
[[nodiscard]] int label_count(const std::uint8_t* name) noexcept;

/// The parent of `name` (the suffix after the first label); the root has no parent and returns nullptr.
[[nodiscard]] inline const std::uint8_t* parent_name(const std::uint8_t* name) noexcept {
  return name[0] == 0 ? nullptr : name + 1 + name[0];
}

/// True when `name` equals `zone` or lies below it (case-insensitive).
[[nodiscard]] bool is_subdomain(const std::uint8_t* name, const std::uint8_t* zone) noexcept;

/// Presentation form with a trailing dot; escapes bytes that are not letters, digits, '-' or '_'.
[[nodiscard]] std::string name_to_text(const std::uint8_t* name);

/// Parses an absolute or relative presentation name (relative names are made absolute by appending the
/// root). Returns false on empty labels, labels over 63 bytes or names over 255 bytes.
[[nodiscard]] bool name_from_text(std::string_view text, std::vector<std::uint8_t>& out);

/// Convenience for tests and configuration: throws std::invalid_argument when the text is not a name.
[[nodiscard]] std::vector<std::uint8_t> name_from_text(std::string_view text);

}  // namespace sgdns::dns
