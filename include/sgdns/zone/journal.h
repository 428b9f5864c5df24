// SPDX-License-Identifier: MIT
// Journal: the differences between successive versions of a zone, for IXFR (RFC 1995), bounded by count
// and size, kept in a file so that a restart still serves incremental transfers.
//
// A change is the RRs removed and the RRs added between two serials, each list starting with the SOA of
// its version (the order an IXFR reply carries them in). Records are kept in uncompressed wire form:
// owner, TYPE, CLASS, TTL, RDLENGTH, RDATA.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/zone/zone.h"

namespace sgdns::zone {

struct JournalChange {
  std::uint32_t from = 0;  // serial before
  std::uint32_t to = 0;    // serial after
  std::uint32_t removed_count = 0;
  std::uint32_t added_count = 0;
  std::vector<std::uint8_t> removed;  // old SOA first
  std::vector<std::uint8_t> added;    // new SOA first
  [[nodiscard]] std::size_t bytes() const noexcept { return removed.size() + added.size() + 16; }
};

/// One wire record inside JournalChange::removed/added.
struct WireRecord {
  const std::uint8_t* owner;
  std::uint16_t type;
  std::uint16_t rclass;
  std::uint32_t ttl;
  const std::uint8_t* rdata;
  std::uint16_t rdlen;
};

/// Calls `f(WireRecord)` for each of the records packed in `bytes` (which must be well formed: read()
/// checks a file's, diff() makes its own).
template <typename F>
void for_each_record(std::span<const std::uint8_t> bytes, F&& f) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::uint8_t* p = bytes.data() + pos;
    const std::size_t nlen = dns::name_length(p);
    const std::uint8_t* fx = p + nlen;
    WireRecord r{
        p,
        static_cast<std::uint16_t>((fx[0] << 8) | fx[1]),
        static_cast<std::uint16_t>((fx[2] << 8) | fx[3]),
        (std::uint32_t{fx[4]} << 24) | (std::uint32_t{fx[5]} << 16) | (std::uint32_t{fx[6]} << 8) | fx[7],
        fx + 10,
        static_cast<std::uint16_t>((fx[8] << 8) | fx[9])};
    f(r);
    pos += nlen + 10 + r.rdlen;
  }
}

struct JournalLimits {
  std::size_t max_changes = 100;
  std::size_t max_bytes = 64u << 20;
};

class Journal {
 public:
  /// The changes that lead from `serial` to the newest, in order; empty when the journal does not reach
  /// back that far (then a full transfer is due).
  [[nodiscard]] std::vector<const JournalChange*> since(std::uint32_t serial) const;
  [[nodiscard]] const std::vector<JournalChange>& changes() const noexcept { return changes_; }
  /// The serial the newest change leads to (meaningless when empty()).
  [[nodiscard]] std::uint32_t last_serial() const noexcept { return changes_.back().to; }
  [[nodiscard]] bool empty() const noexcept { return changes_.empty(); }
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

  /// A copy with `change` appended and the oldest changes dropped to stay within `limits`. A change
  /// larger than max_bytes on its own is not kept (and the journal is emptied: it could not continue).
  [[nodiscard]] std::shared_ptr<const Journal> with(JournalChange change, const JournalLimits& limits) const;

  /// The file form (docs/operations.md, "Journal"): a header line, then each change with its lengths
  /// and a checksum.
  [[nodiscard]] std::string serialize() const;
  /// Reads the file form; throws ZoneError(path, 0, why) on anything malformed.
  [[nodiscard]] static std::shared_ptr<const Journal> parse(std::span<const std::uint8_t> bytes,
                                                            const std::string& path);
  /// Reads `path`; a missing file is an empty journal.
  [[nodiscard]] static std::shared_ptr<const Journal> read(const std::string& path);
  /// Writes `path` atomically (temporary file, fsync, rename). Throws std::runtime_error.
  void write(const std::string& path) const;

 private:
  std::vector<JournalChange> changes_;
  std::size_t bytes_ = 0;
};

/// The change from `before` to `after` (same origin): every RR of the old version not in the new one is
/// removed, every new one added; a TTL change removes and re-adds the RR.
[[nodiscard]] JournalChange diff(const Zone& before, const Zone& after);

/// Appends one record in journal wire form.
void append_record(std::vector<std::uint8_t>& out, const std::uint8_t* owner, std::uint16_t type,
                   std::uint32_t ttl, const std::uint8_t* rdata, std::uint16_t rdlen);

}  // namespace sgdns::zone
