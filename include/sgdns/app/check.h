// SPDX-License-Identifier: MIT
// `sgdns check`: everything a start would load (configuration, zones, GeoIP files, admin token, overrides
// state, failover budgets), checked without binding a socket or starting a thread.
#pragma once

namespace sgdns::app {

/// The text of `sgdns check --help` (also checked against sgdns(8)).
[[nodiscard]] const char* check_usage();

/// argv[0] is "check"; the other arguments are the server's own (usually --config FILE). Prints what
/// would be served and returns 0, or lists every problem found on stderr and returns 2.
[[nodiscard]] int run_check(int argc, const char* const* argv);

}  // namespace sgdns::app
