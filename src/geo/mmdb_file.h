// SPDX-License-Identifier: MIT
// What walk_database and lookup_database share: an open MaxMind DB that always closes, and the decoder.
#pragma once
#include <maxminddb.h>

#include <string>

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

/// The GeoIP2 City/Country, DB-IP lite and ASN fields of one data record; missing fields stay empty.
[[nodiscard]] Location decode_location(const MmdbFile& file, MMDB_entry_s entry);

}  // namespace sgdns::geo::detail
