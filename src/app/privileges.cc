// SPDX-License-Identifier: MIT
// Dropping root after binding, and checking the files the server needs afterwards.
#include "privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "sgdns/util/log.h"

namespace sgdns::app {
namespace {

bool numeric(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 9;
}

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return pw.pw_name;
  return "uid " + std::to_string(uid);
}

/// The folder holding `path`: ".", "/" for a file at the root, else everything before the last slash.
std::string folder_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace

std::optional<RunAs> plan_run_as(const config::Config& config) {
  if (config.user.empty()) {
    if (::geteuid() == 0)
      log::warn(
          "running as root: set \"user\" (or --user) so that sgdns drops root once its sockets are bound");
    return std::nullopt;
  }
  RunAs who;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = numeric(config.user)
               ? getpwuid_r(static_cast<uid_t>(std::stoul(config.user)), &pw, buf.data(), buf.size(), &found)
               : getpwnam_r(config.user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || !found) {
    if (!numeric(config.user)) throw config::ConfigError("user " + config.user + ": no such user");
    if (config.group.empty())
      throw config::ConfigError("user " + config.user + ": no such user; give \"group\" as well");
    who.uid = static_cast<uid_t>(std::stoul(config.user));
    who.user = config.user;
  } else {
    who.uid = pw.pw_uid;
    who.gid = pw.pw_gid;
    who.user = pw.pw_name;
  }
  if (who.uid == 0) throw config::ConfigError("user " + config.user + ": is root; name an unprivileged user");
  who.group = std::to_string(who.gid);
  if (!config.group.empty()) {
    group gr{};
    struct group* gfound = nullptr;
    rc = numeric(config.group)
             ? getgrgid_r(static_cast<gid_t>(std::stoul(config.group)), &gr, buf.data(), buf.size(), &gfound)
             : getgrnam_r(config.group.c_str(), &gr, buf.data(), buf.size(), &gfound);
    if (rc == 0 && gfound) {
      who.gid = gr.gr_gid;
      who.group = gr.gr_name;
    } else if (numeric(config.group)) {
      who.gid = static_cast<gid_t>(std::stoul(config.group));
      who.group = config.group;
    } else {
      throw config::ConfigError("group " + config.group + ": no such group");
    }
  }
  if (::getuid() == who.uid && ::geteuid() == who.uid && ::getgid() == who.gid && ::getegid() == who.gid)
    return std::nullopt;  // already that user (systemd's User=, say)
  if (::geteuid() != 0)
    throw config::ConfigError("user " + config.user + ": changing user needs root, and sgdns runs as " +
                              user_name(::geteuid()));
  return who;
}

void drop_privileges(const RunAs& who) {
  const gid_t groups[] = {who.gid};
  if (::setgroups(1, groups) != 0)
    throw std::runtime_error(std::string("setgroups: ") + std::strerror(errno));
  if (::setresgid(who.gid, who.gid, who.gid) != 0)
    throw std::runtime_error("setgid " + who.group + ": " + std::strerror(errno));
  if (::setresuid(who.uid, who.uid, who.uid) != 0)
    throw std::runtime_error("setuid " + who.user + ": " + std::strerror(errno));
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0 || ruid != who.uid ||
      euid != who.uid || suid != who.uid || rgid != who.gid || egid != who.gid || sgid != who.gid)
    throw std::runtime_error("privileges: the user and group ids did not all change");
  // The kernel must refuse the way back; if it does not, some capability survived and we stop.
  if (::setuid(0) == 0 || ::seteuid(0) == 0)
    throw std::runtime_error("privileges: root could be regained after the drop");
  log::info("running as user " + who.user + " (uid " + std::to_string(who.uid) + "), group " + who.group +
            " (gid " + std::to_string(who.gid) + ")");
}

void check_file_access(const config::Config& config) {
  const std::string who = user_name(::geteuid());
  const std::string& state = config.admin.state_file;
  if (!state.empty()) {
    std::string folder = folder_of(state);
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
      throw config::ConfigError("admin.state_file " + state + ": its folder " + folder +
                                " is not writable by " + who + " (" + std::strerror(errno) +
                                "); overrides could not be saved");
    if (::access(state.c_str(), F_OK) == 0 && ::access(state.c_str(), R_OK | W_OK) != 0)
      throw config::ConfigError("admin.state_file " + state + ": not readable and writable by " + who + " (" +
                                std::strerror(errno) + ")");
  }
  std::vector<std::pair<std::string, std::string>> reread;  // what a reload reads again
  if (!config.config_file.empty()) reread.emplace_back("configuration", config.config_file);
  for (const auto& z : config.zones) {
    if (z.replication.primary) {
      // A secondary zone's copy is written next to it (a new file renamed over the old one).
      const std::string folder = folder_of(z.file);
      if (::access(folder.c_str(), W_OK | X_OK) != 0)
        throw config::ConfigError("zone " + z.origin + ": the folder " + folder +
                                  " of its copy is not writable by " + who + " (" + std::strerror(errno) +
                                  "); transfers could not be kept");
      if (::access(z.file.c_str(), F_OK) != 0) continue;  // not fetched yet
    }
    reread.emplace_back("zone " + z.origin, z.file);
  }
  for (const auto& db : config.policy.databases) reread.emplace_back("geoip database", db.path);
  for (const auto& [what, path] : reread) {
    if (::access(path.c_str(), R_OK) != 0)
      log::warn(what + " " + path + ": not readable by " + who + ": a reload will fail (" +
                std::strerror(errno) + ")");
  }
}

}  // namespace sgdns::app
