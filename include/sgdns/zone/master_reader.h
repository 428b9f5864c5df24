// SPDX-License-Identifier: MIT
// Reads RFC 1035 master files into records, keeping the file and line of each.
//
// ldns 1.8.3 does not implement $INCLUDE and forgets file names, so this reader splits the text into logical
// records itself (comments, quoted strings, parentheses spanning lines, blank owners) and handles the
// directives $ORIGIN, $TTL and $INCLUDE (with an optional origin, relative paths resolved against the
// including file's folder). Each complete record is then parsed by ldns_rr_new_frm_str(), which knows every
// RR type's presentation format, including RFC 3597 unknown types (TYPE65280 \# 2 abcd).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sgdns/zone/error.h"

namespace sgdns::zone {

/// A file name shared by every record read from that file: copying a record copies a reference, and the
/// name lives as long as any record that names it (a million records, one string).
class SharedName {
 public:
  SharedName() = default;
  explicit SharedName(std::shared_ptr<const std::string> name) : name_(std::move(name)) {}
  [[nodiscard]] const std::string& str() const noexcept { return name_ ? *name_ : empty(); }
  operator const std::string&() const noexcept { return str(); }  // NOLINT(google-explicit-constructor)
  friend bool operator==(const SharedName& a, std::string_view b) noexcept { return a.str() == b; }

 private:
  static const std::string& empty() noexcept {
    static const std::string kEmpty;
    return kEmpty;
  }
  std::shared_ptr<const std::string> name_;
};

struct ParsedRecord {
  std::vector<std::uint8_t> owner;  // uncompressed wire form, lowercased
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;  // uncompressed wire form, names as written (case kept)
  SharedName file;
  int line = 0;
};

/// Every file the reader opened (the top file and each $INCLUDE), for reload change detection and status.
struct SourceFile {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

struct MasterFile {
  std::vector<ParsedRecord> records;
  std::vector<SourceFile> sources;
};

/// Reads `path` with `origin` (absolute presentation name, e.g. "streamgate.example.") as the initial
/// $ORIGIN. Throws ZoneError naming file and line for any syntax error, an unreadable or recursive
/// $INCLUDE (depth limit 16), a record class other than IN, or a record with no TTL when neither $TTL
/// nor an earlier TTL gives one.
[[nodiscard]] MasterFile read_master_file(const std::string& path, const std::string& origin);

/// Same as read_master_file but from text in memory; `$INCLUDE` paths resolve against `base_dir`.
[[nodiscard]] MasterFile read_master_text(const std::string& text, const std::string& name,
                                          const std::string& origin, const std::string& base_dir = ".");

}  // namespace sgdns::zone
