// SPDX-License-Identifier: MIT
// The replication keys of the configuration file: "keys", "journal", and each zone's "transfer",
// "notify" and "primary" (docs/configuration.md).
#pragma once
#include <string>

#include "json_node.h"
#include "sgdns/config/config.h"

namespace sgdns::config {

void read_keys(const Node& n, Config& c, const std::string& base_dir);
void read_journal(const Node& n, Config& c, const std::string& base_dir);
/// A zone's transfer/notify/primary keys into `zone.replication`.
void read_zone_replication(const Node& z, ZoneSource& zone);

}  // namespace sgdns::config
