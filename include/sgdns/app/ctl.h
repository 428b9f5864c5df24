// SPDX-License-Identifier: MIT
// `sgdns ctl`: the admin API from the command line (status, overrides, explain, reload).
#pragma once

namespace sgdns::app {

/// The text of `sgdns ctl --help` (also checked against sgdns(8)).
[[nodiscard]] const char* ctl_usage();

/// argv[0] is "ctl". Prints the API's JSON reply; returns 0 on a 2xx reply, 1 on an API error, 2 on a
/// usage or connection error.
[[nodiscard]] int run_ctl(int argc, const char* const* argv);

}  // namespace sgdns::app
