// SPDX-License-Identifier: MIT
// Reads the `fleet` key of the configuration (private to the module).
#pragma once
#include <string>

#include "json_node.h"

namespace sgdns::config {

/// {"endpoints": [URL...], "prefix": "/KEY/PREFIX", "instance": NAME, "tls": {"ca_file", "certificate",
/// "key"}, "credentials": {"username", "password_file"}, "shared_health": BOOL, "quorum": N}; file names
/// resolve against `base_dir`.
void read_fleet(const Node& n, FleetConfig& out, const std::string& base_dir);

}  // namespace sgdns::config
