// SPDX-License-Identifier: MIT
// File stamps for geoip.check_interval: one stat() per database per check.
#include "geoip_watch.h"

#include <sys/stat.h>

namespace sgdns::app {

FileStamp stamp_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  FileStamp s;
  s.exists = true;
  s.device = static_cast<std::uint64_t>(st.st_dev);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

void GeoipWatch::remember(const std::vector<std::string>& paths) {
  paths_ = paths;
  stamps_.clear();
  for (const std::string& path : paths_) stamps_.push_back(stamp_file(path));
}

std::string GeoipWatch::changed() const {
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    if (stamp_file(paths_[i]) != stamps_[i]) return paths_[i];
  }
  return {};
}

}  // namespace sgdns::app
