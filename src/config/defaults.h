// SPDX-License-Identifier: MIT
// Defaults shared by the flag and file readers (private to the config module).
#pragma once
#include "sgdns/config/config.h"

namespace sgdns::config {

/// Fills what neither flags nor file set: listen on 127.0.0.1:5353, AXFR from loopback only.
void apply_defaults(Config& c);

}  // namespace sgdns::config
