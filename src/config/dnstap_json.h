// SPDX-License-Identifier: MIT
// Reads the `dnstap` key of the configuration (private to the module).
#pragma once
#include <string>

#include "json_node.h"
#include "sgdns/dnstap/settings.h"

namespace sgdns::config {

/// {"socket": PATH, "sample": N, "log_queries": BOOL, "log_responses": BOOL, "identity": TEXT}; the path
/// resolves against `base_dir`.
void read_dnstap(const Node& n, dnstap::Settings& out, const std::string& base_dir);

}  // namespace sgdns::config
