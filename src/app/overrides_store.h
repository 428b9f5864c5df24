// SPDX-License-Identifier: MIT
// Operator overrides and their durable store (private to app): written to a temporary file, fsynced and
// renamed over the old one, so a crash at any moment leaves either the old or the new set, never half.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace sgdns::app {

struct Override {
  std::string pool;
  std::string member;  // an address, or "cname" for a CNAME pool
  bool up = false;
  std::string reason;
  double set_at = 0;   // unix seconds
  double expires = 0;  // unix seconds; 0 = until cleared
  [[nodiscard]] std::string key() const { return pool + "/" + member; }
};

class OverridesStore {
 public:
  struct Loaded {
    std::map<std::string, Override> overrides;
    std::string problem;   // why the file was not used; empty when it loaded or did not exist
    std::string moved_to;  // where that file now is; empty when it was not moved (or there was none)
  };

  /// An empty path keeps overrides in memory only.
  explicit OverridesStore(std::string path) : path_(std::move(path)) {}

  /// Reads the file; a missing file is an empty set. A file that cannot be read or does not hold exactly
  /// what save() writes is moved aside to "<path>.corrupt-<UTC time>" in the same folder (kept for the
  /// operator to look at) and the set is empty: DNS never waits for state it does not need.
  [[nodiscard]] Loaded load() const;
  /// Replaces the file's content durably. Throws std::runtime_error when it cannot.
  void save(const std::map<std::string, Override>& overrides) const;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// The overrides in `text` (the file format), checked strictly: an unknown key, a wrong type or a state
  /// other than "up"/"down" throws std::runtime_error naming the entry.
  [[nodiscard]] static std::map<std::string, Override> parse(const std::string& text);

 private:
  std::string path_;
};

}  // namespace sgdns::app
