// SPDX-License-Identifier: MIT
// Noticing that a GeoIP database file was replaced, so geoip.check_interval can reload without a SIGHUP.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sgdns::app {

/// What identifies one version of a file: device, inode, size and modification time. A vendor's update
/// is usually a rename over the old file (a new inode), sometimes a copy in place (a new mtime and size).
struct FileStamp {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0;
  bool exists = false;
  bool operator==(const FileStamp&) const = default;
};

[[nodiscard]] FileStamp stamp_file(const std::string& path);

/// The stamps of a list of files, compared as a whole.
class GeoipWatch {
 public:
  /// Remembers `paths` as they are now (called when a load or reload starts reading them).
  void remember(const std::vector<std::string>& paths);
  /// The first remembered file whose stamp differs now, or "" when none does.
  [[nodiscard]] std::string changed() const;
  [[nodiscard]] bool empty() const noexcept { return paths_.empty(); }

 private:
  std::vector<std::string> paths_;
  std::vector<FileStamp> stamps_;
};

}  // namespace sgdns::app
