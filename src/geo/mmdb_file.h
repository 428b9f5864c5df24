// SPDX-License-Identifier: MIT
// What walk_database and lookup_database share: an open MaxMind DB that always closes, and the decoder.
#pragma once
#include <maxminddb.h>

#include <array>
#include <string>
#include <vector>

#include "sgdns/geo/mmdb.h"

namespace sgdns::geo::detail {

/// GeoError("PATH: what libmaxminddb says").
[[noreturn]] void throw_mmdb_error(const std::string& path, int status);

/// A database opened with MMDB_MODE_MMAP, closed by the destructor whatever happens in between.
class MmdbFile {
 public:
  explicit MmdbFile(std::string path);
  ~MmdbFile();
  MmdbFile(const MmdbFile&) = delete;
  MmdbFile& operator=(const MmdbFile&) = delete;

  [[nodiscard]] const MMDB_s& db() const noexcept { return db_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  MMDB_s db_{};
};

/// Decodes data records into Location by a FieldPaths, and counts which path gave each field its value
/// (the load report's "fields found").
class FieldReader {
 public:
  explicit FieldReader(const FieldPaths& paths);
  FieldReader(const FieldReader&) = delete;
  FieldReader& operator=(const FieldReader&) = delete;

  [[nodiscard]] Location decode(const MmdbFile& file, MMDB_entry_s entry);
  /// Fills info.found and info.continents_from_countries from the counts so far.
  void report(DatabaseInfo& info) const;

 private:
  struct Path {
    std::string text;                 // as configured, "country/iso_code"
    std::vector<std::string> keys;    // its steps
    std::vector<const char*> c_path;  // keys as MMDB_aget_value wants them, null-terminated
    std::uint64_t hits = 0;
  };
  std::array<std::vector<Path>, kFieldCount> fields_;
  std::uint64_t continents_from_countries_ = 0;
};

}  // namespace sgdns::geo::detail
