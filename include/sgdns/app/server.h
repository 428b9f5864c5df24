// SPDX-License-Identifier: MIT
// The server process: wires the World, the UDP and TCP transports and the control loop (signals, reload).
#pragma once
#include "sgdns/config/config.h"

namespace sgdns::app {

/// Runs until SIGTERM or SIGINT. Returns the process exit status.
[[nodiscard]] int run_server(config::Config config);

/// main(): parses flags, prints --help/--version, runs the server; every failure is one clear line.
[[nodiscard]] int main_entry(int argc, const char* const* argv);

}  // namespace sgdns::app
