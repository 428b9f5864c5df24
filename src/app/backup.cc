// SPDX-License-Identifier: MIT
// sgdns backup: copy what a server serves from into one self-contained folder with checksums.
#include "sgdns/app/backup.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "overrides_store.h"
#include "sgdns/config/config.h"
#include "sgdns/world/build.h"

namespace sgdns::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kUsage = R"(Usage: sgdns backup --config FILE DIR
Copies into DIR (new, or empty) everything needed to answer exactly as this configuration does: the
configuration, every zone file and $INCLUDE, the GeoIP databases, the overrides state file, the admin
tokens, TLS files and cookie secrets, and writes DIR/SHA256SUMS. DIR/sgdns.json refers only to files in
DIR, so a copy of DIR runs anywhere: sha256sum -c SHA256SUMS, then sgdns --config DIR/sgdns.json.
The configuration must load (as with sgdns check); exits 0 when written, 2 with the reasons otherwise.
)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

/// The files written so far, for SHA256SUMS. Secrets are written 0600 in a 0700 folder.
class Writer {
 public:
  explicit Writer(fs::path dir) : dir_(std::move(dir)) {}

  /// Writes `bytes` at `relative` (inside the backup) and remembers its checksum.
  void put(const std::string& relative, const std::string& bytes, bool secret = false) {
    const fs::path target = dir_ / relative;
    fs::create_directories(target.parent_path());
    if (secret) fs::permissions(target.parent_path(), fs::perms::owner_all);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (secret) fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error(target.string() + ": cannot write");
    sums_ += sha256_hex(bytes) + "  " + relative + "\n";
    bytes_ += bytes.size();
    ++files_;
  }
  /// Copies `source` to `relative`.
  std::string copy(const std::string& source, const std::string& relative, bool secret = false) {
    put(relative, read_file(source), secret);
    std::printf("  %s <- %s\n", relative.c_str(), source.c_str());
    return relative;
  }
  void finish() {
    put("SHA256SUMS", sums_);
    std::printf("%zu files, %zu bytes, checksums in %s\n", files_, bytes_,
                (dir_ / "SHA256SUMS").string().c_str());
  }

 private:
  fs::path dir_;
  std::string sums_;
  std::size_t files_ = 0, bytes_ = 0;
};

/// A name for a file inside the backup that cannot collide with another: "<folder>/<index>-<name>".
std::string slot(const char* folder, std::size_t index, const std::string& path) {
  return std::string(folder) + "/" + std::to_string(index) + "-" + fs::path(path).filename().string();
}

/// Zone i's files under zones/<i>/: the main file, and each $INCLUDE at its path relative to the main
/// file's folder (where a relative $INCLUDE resolves), so the copied zone reads as the original did.
std::string copy_zone(Writer& out, const zone::Zone& zone, std::size_t index) {
  const std::string folder = "zones/" + std::to_string(index) + "/";
  const fs::path main_path = zone.sources().front().path;
  const fs::path main_folder = main_path.parent_path();
  std::string main_relative = out.copy(main_path.string(), folder + main_path.filename().string());
  for (std::size_t i = 1; i < zone.sources().size(); ++i) {
    const fs::path include = zone.sources()[i].path;
    const fs::path relative = include.lexically_normal().lexically_relative(main_folder.lexically_normal());
    if (relative.empty() || *relative.begin() == "..")
      throw std::runtime_error("zone " + zone.origin_text() + ": $INCLUDE " + include.string() +
                               " is outside the zone file's folder: the copy could not find it");
    out.copy(include.string(), folder + relative.string());
  }
  return main_relative;
}

/// A path of the configuration file: absolute as given, else relative to the configuration's folder.
std::string resolved(const fs::path& base, const std::string& path) {
  return fs::path(path).is_absolute() ? path : (base / path).string();
}

void copy_admin_files(Writer& out, json& doc, const fs::path& base) {
  if (!doc.contains("admin")) return;
  json& admin = doc["admin"];
  for (const char* key : {"token_file", "read_token_file", "tls_certificate", "tls_key"}) {
    if (admin.contains(key) && admin[key].is_string())
      admin[key] = out.copy(resolved(base, admin[key]), std::string("secrets/") + key, true);
  }
  if (admin.contains("state_file") && admin["state_file"].is_string()) {
    const std::string state = resolved(base, admin["state_file"]);
    admin["state_file"] = "state/overrides.json";
    std::error_code missing;
    if (!fs::exists(state, missing)) return;  // no override was ever set
    std::string text = read_file(state);
    (void)OverridesStore::parse(text);  // the file is replaced atomically, so this is one whole version
    out.put("state/overrides.json", text);
    std::printf("  state/overrides.json <- %s\n", state.c_str());
  }
}

void write_backup(const std::string& config_path, const fs::path& dir) {
  config::Config c = config::load_config_file(config_path);
  auto world = world::build_world(c, 1);  // refuses what would not load
  const fs::path base = fs::path(config_path).parent_path();
  json doc = json::parse(read_file(config_path));
  Writer out(dir);
  std::printf("sgdns backup: %s -> %s\n", config_path.c_str(), dir.string().c_str());
  const auto& zones = world->zones.zones();
  for (std::size_t i = 0; i < zones.size() && i < doc["zones"].size(); ++i)
    doc["zones"][i]["file"] = copy_zone(out, *zones[i], i);
  if (doc.contains("geoip") && doc["geoip"].contains("databases")) {
    json& dbs = doc["geoip"]["databases"];
    for (std::size_t i = 0; i < dbs.size(); ++i) {
      // An entry is a path, or {"file": PATH, "fields": {...}} whose fields are kept as they are.
      json& path = dbs[i].is_object() ? dbs[i]["file"] : dbs[i];
      path = out.copy(resolved(base, path), slot("geoip", i, path));
    }
  }
  if (doc.contains("cookies") && doc["cookies"].contains("secret_file"))
    doc["cookies"]["secret_file"] =
        out.copy(resolved(base, doc["cookies"]["secret_file"]), "secrets/cookie_secret", true);
  copy_admin_files(out, doc, base);
  out.put("sgdns.json", doc.dump(2) + "\n");
  std::printf("  sgdns.json <- %s (paths rewritten into the backup)\n", config_path.c_str());
  out.finish();
}

}  // namespace

const char* backup_usage() {
  return kUsage;
}

int run_backup(int argc, const char* const* argv) {
  std::string config_path, dir;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--", 0) != 0 && dir.empty()) {
      dir = arg;
    } else {
      std::fprintf(stderr, "sgdns backup: unexpected argument %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (config_path.empty() || dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
      throw std::runtime_error(dir + ": exists and is not empty (a backup never overwrites)");
    write_backup(config_path, dir);
    return 0;
  } catch (const config::ConfigErrors& e) {
    for (const auto& p : e.problems()) std::fprintf(stderr, "sgdns backup: %s\n", p.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgdns backup: %s\n", e.what());
  }
  // DIR was empty or new: what is in it now is a partial copy, which must not pass for a backup.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) fs::remove_all(entry.path(), ec);
  std::fprintf(stderr, "sgdns backup: nothing was written to %s\n", dir.c_str());
  return 2;
}

}  // namespace sgdns::app
