// SPDX-License-Identifier: MIT
// `sgdns geoip-report`: what each GeoIP database gives the configured regions, without serving.
#pragma once
#include <string>
#include <vector>

#include "sgdns/engine/world.h"

namespace sgdns::app {

/// The report as lines of text: per database its layout, fields and coverage by rule, then the combined
/// coverage of the served map, then the warnings. The server logs the same lines at each load.
[[nodiscard]] std::vector<std::string> geoip_report_lines(const engine::World& world);

/// argv[0] is "geoip-report"; the rest are the server's options (usually --config FILE), plus --json.
/// Prints the report and returns 0, or the problems on stderr and returns 2.
[[nodiscard]] int run_geoip_report(int argc, const char* const* argv);

}  // namespace sgdns::app
