// SPDX-License-Identifier: MIT
// Building a World from a parsed Config: compile the policy, load every zone, read the cookie secrets.
//
// The one place a configuration turns into what queries read. `config` only parses (flags, JSON); the
// server, `sgdns check`, `sgdns explain`, the benchmarks and the tests all build through here, so what is
// checked is what is served.
#pragma once
#include <cstdint>
#include <memory>

#include "sgdns/config/config.h"
#include "sgdns/engine/world.h"

namespace sgdns::world {

/// Loads every zone and compiles a World. Every mistake is collected (the policy's, then each zone's,
/// failover budgets last) and thrown together as config::ConfigErrors, each naming its file, JSON path
/// or file:line.
[[nodiscard]] std::shared_ptr<engine::World> build_world(const config::Config& config,
                                                         std::uint64_t generation);

}  // namespace sgdns::world
