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
  /// An empty path keeps overrides in memory only.
  explicit OverridesStore(std::string path) : path_(std::move(path)) {}
  /// Reads the file; a missing file is an empty set. Throws std::runtime_error for a corrupt one.
  [[nodiscard]] std::map<std::string, Override> load() const;
  /// Replaces the file's content durably. Throws std::runtime_error when it cannot.
  void save(const std::map<std::string, Override>& overrides) const;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace sgdns::app
