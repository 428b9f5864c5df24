// SPDX-License-Identifier: MIT
// Reads the abuse-protection keys of the configuration: `tcp`, `rrl`, `cookies` (private to the module).
#pragma once
#include <string>

#include "json_node.h"

namespace sgdns::config {

void read_tcp(const Node& n, TcpLimits& tcp);
/// `false`, `true` or an object of settings.
void read_rrl(const Node& n, rrl::Settings& rrl);
/// `false`, `true` or {"secret_file": PATH}; the path resolves against `base_dir`.
void read_cookies(const Node& n, Config& c, const std::string& base_dir);

}  // namespace sgdns::config
