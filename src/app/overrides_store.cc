// SPDX-License-Identifier: MIT
// Overrides persisted as JSON with write-temp, fsync, rename, fsync-directory.
#include "overrides_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace sgdns::app {
namespace {

void write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(path + ": write: " + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::map<std::string, Override> OverridesStore::load() const {
  std::map<std::string, Override> out;
  if (path_.empty()) return out;
  std::ifstream in(path_);
  if (!in) return out;
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto doc = nlohmann::json::parse(text.str());
    for (const auto& o : doc.at("overrides")) {
      Override v{o.at("pool").get<std::string>(), o.at("member").get<std::string>(),
                 o.at("state") == "up",           o.value("reason", ""),
                 o.value("set_at", 0.0),          o.value("expires", 0.0)};
      out[v.key()] = v;
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path_ + ": corrupt overrides file: " + e.what());
  }
  return out;
}

void OverridesStore::save(const std::map<std::string, Override>& overrides) const {
  if (path_.empty()) return;
  nlohmann::json doc = {{"overrides", nlohmann::json::array()}};
  for (const auto& [key, o] : overrides) {
    doc["overrides"].push_back({{"pool", o.pool},
                                {"member", o.member},
                                {"state", o.up ? "up" : "down"},
                                {"reason", o.reason},
                                {"set_at", o.set_at},
                                {"expires", o.expires}});
  }
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(tmp + ": " + std::strerror(errno));
  try {
    write_all(fd, doc.dump(2) + "\n", tmp);
    if (::fsync(fd) != 0) throw std::runtime_error(tmp + ": fsync: " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    throw std::runtime_error(path_ + ": rename: " + std::strerror(errno));
  // The rename itself is durable only once the directory entry is on disk.
  std::size_t slash = path_.rfind('/');
  // The folder holding the file: ".", "/" for a file at the root, else everything before the last slash.
  std::string dir = slash == std::string::npos ? std::string(".") : path_.substr(0, slash == 0 ? 1 : slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace sgdns::app
