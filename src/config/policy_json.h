// SPDX-License-Identifier: MIT
// Reads the geo keys of the configuration into a PolicySpec (private to the config module).
#pragma once
#include "json_node.h"
#include "sgdns/policy/spec.h"

namespace sgdns::config {

void read_policy(const Node& root, policy::PolicySpec& spec, const std::string& base_dir);

}  // namespace sgdns::config
