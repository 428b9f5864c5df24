// SPDX-License-Identifier: MIT
// Overrides persisted as JSON with write-temp, fsync, rename, fsync-directory; unusable files moved aside.
#include "overrides_store.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "sgdns/admin/router.h"
#include "sgdns/util/file_write.h"
#include "sgdns/util/text.h"

namespace sgdns::app {
namespace {

using nlohmann::json;

/// Reads the whole file; ENOENT leaves `missing` set. Throws with the reason for anything else.
std::string read_all(const std::string& path, bool& missing) {
  missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 && errno == ENOENT) {
    missing = true;
    return {};
  }
  if (fd < 0) throw std::runtime_error(std::string("cannot read it: ") + std::strerror(errno));
  std::string text;
  try {
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw std::runtime_error(std::string("fstat: ") + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) throw std::runtime_error("not a regular file");
    char chunk[16384];
    for (;;) {
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n == 0) break;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(std::string("cannot read it: ") + std::strerror(errno));
      text.append(chunk, static_cast<std::size_t>(n));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return text;
}

std::string name_field(const json& entry, const char* key, const std::string& where) {
  if (!entry.contains(key) || !entry[key].is_string())
    throw std::runtime_error(where + "." + key + ": expected a string");
  std::string value = entry[key].get<std::string>();
  if (value.empty() || value.size() > admin::Router::kMaxName || !text::printable_utf8(value))
    throw std::runtime_error(where + "." + key + ": expected a printable name of 1 to 255 bytes");
  return value;
}

double time_field(const json& entry, const char* key, const std::string& where) {
  if (!entry.contains(key)) return 0;
  if (!entry[key].is_number() || !std::isfinite(entry[key].get<double>()) || entry[key].get<double>() < 0)
    throw std::runtime_error(where + "." + key + ": expected unix seconds (a number, 0 or more)");
  return entry[key].get<double>();
}

/// "20261130T043000Z": sorts in time order and needs no quoting in a shell.
std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &tm);
  return out;
}

/// Renames `path` to a new "<path>.corrupt-<stamp>[-N]" (never over an existing file). Returns the new
/// name, or "" when it could not be moved (the reason goes to `why`).
std::string move_aside(const std::string& path, std::string& why) {
  const std::string base = path + ".corrupt-" + utc_stamp();
  for (int n = 0; n < 100; ++n) {
    std::string target = n == 0 ? base : base + "-" + std::to_string(n);
    if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) return target;
    if (errno != EEXIST) {
      why = std::strerror(errno);
      return {};
    }
  }
  why = "too many files named " + base + "*";
  return {};
}

}  // namespace

std::map<std::string, Override> OverridesStore::parse(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("not JSON: ") + e.what());
  }
  if (!doc.is_object() || doc.size() != 1 || !doc.contains("overrides") || !doc["overrides"].is_array())
    throw std::runtime_error("expected {\"overrides\": [...]}");
  std::map<std::string, Override> out;
  const json& list = doc["overrides"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& o = list[i];
    const std::string where = "overrides[" + std::to_string(i) + "]";
    if (!o.is_object()) throw std::runtime_error(where + ": expected an object");
    for (auto it = o.begin(); it != o.end(); ++it) {
      static const char* const kKeys[] = {"pool", "member", "state", "reason", "set_at", "expires"};
      if (std::find(std::begin(kKeys), std::end(kKeys), it.key()) == std::end(kKeys))
        throw std::runtime_error(where + "." + text::escape(it.key(), 64) + ": unknown key");
    }
    Override v;
    v.pool = name_field(o, "pool", where);
    v.member = name_field(o, "member", where);
    // Strict: "UP" or "Down" is a mistake to report, never silently "down".
    if (!o.contains("state") || !o["state"].is_string() || (o["state"] != "up" && o["state"] != "down"))
      throw std::runtime_error(where + ".state: expected \"up\" or \"down\"");
    v.up = o["state"] == "up";
    if (o.contains("reason") && !o["reason"].is_string())
      throw std::runtime_error(where + ".reason: expected a string");
    v.reason = o.value("reason", "");
    v.set_at = time_field(o, "set_at", where);
    v.expires = time_field(o, "expires", where);
    if (!out.emplace(v.key(), v).second) throw std::runtime_error(where + ": " + v.key() + " listed twice");
  }
  return out;
}

OverridesStore::Loaded OverridesStore::load() const {
  Loaded out;
  if (path_.empty()) return out;
  try {
    bool missing = false;
    std::string text = read_all(path_, missing);
    if (!missing) out.overrides = parse(text);
    return out;
  } catch (const std::exception& e) {
    out.overrides.clear();
    out.problem = e.what();
  }
  std::string why;
  out.moved_to = move_aside(path_, why);
  if (out.moved_to.empty()) out.problem += " (and it could not be moved aside: " + why + ")";
  return out;
}

void OverridesStore::save(const std::map<std::string, Override>& overrides) const {
  if (path_.empty()) return;
  json doc = {{"overrides", json::array()}};
  for (const auto& [key, o] : overrides) {
    doc["overrides"].push_back({{"pool", o.pool},
                                {"member", o.member},
                                {"state", o.up ? "up" : "down"},
                                {"reason", o.reason},
                                {"set_at", o.set_at},
                                {"expires", o.expires}});
  }
  std::string tmp = path_ + ".tmp";
  // O_EXCL|O_NOFOLLOW: never write through a symlink or into a file someone else created there. A
  // temporary file left by a crash is ours: remove it (unlink removes a link, not its target) and retry.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(tmp.c_str(), flags, 0600);
  if (fd < 0 && errno == EEXIST && ::unlink(tmp.c_str()) == 0) fd = ::open(tmp.c_str(), flags, 0600);
  if (fd < 0) throw std::runtime_error(tmp + ": " + std::strerror(errno));
  try {
    util::write_all(fd, admin::json_text(doc, 2) + "\n", tmp);
    if (::fsync(fd) != 0) throw std::runtime_error(tmp + ": fsync: " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(path_ + ": rename: " + std::strerror(e));
  }
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
