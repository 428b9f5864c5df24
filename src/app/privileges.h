// SPDX-License-Identifier: MIT
// Running as an unprivileged user: started as root, sgdns binds every socket first and then drops to
// `user`/`group` for good, as NSD and Knot do (private to app).
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

#include "sgdns/config/config.h"

namespace sgdns::app {

struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
  std::string group;
};

/// Who to become, looked up before anything is bound so a typo stops the start at once. nullopt when
/// there is nothing to change: no `user`, or the process already is that user and group. Throws
/// config::ConfigError for an unknown user or group, for user root, or when the change needs root.
/// Logs a warning when running as root without `user`.
[[nodiscard]] std::optional<RunAs> plan_run_as(const config::Config& config);

/// Becomes `who` for good: setgroups to its group alone, setgid, setuid; then checks every real, effective
/// and saved id and that setuid(0) fails. Throws std::runtime_error when any step fails.
void drop_privileges(const RunAs& who);

/// What the server writes must be writable by whoever it now runs as (checked after the drop, so the
/// kernel answers for the right user): the folder of admin.state_file (temporary file and rename).
/// Throws config::ConfigError naming the setting. Files it only reads again at reload (configuration,
/// zones, GeoIP databases) get a warning when unreadable.
void check_file_access(const config::Config& config);

}  // namespace sgdns::app
