// SPDX-License-Identifier: MIT
// Explain: the whole decision behind one answer (client network, location, region and why, pools and
// members considered, the answer, the ECS scope) as JSON, for `sgdns explain` and the admin API.
#pragma once
#include <optional>
#include <string>

#include "sgdns/engine/world.h"

namespace sgdns::app {

struct ExplainRequest {
  std::string name;                // query name
  std::string type = "A";          // query type mnemonic
  std::string client;              // the resolver's address
  std::optional<std::string> ecs;  // EDNS Client Subnet, ADDRESS/LENGTH
  /// False for `sgdns explain`, which loads the files itself: it runs no probes and sees no overrides, so
  /// every member shows as up, and the output says so.
  bool live_health = true;
};

/// Runs the query through the engine and reports every step as pretty-printed JSON. Throws
/// std::invalid_argument for a bad name, type, address or subnet.
[[nodiscard]] std::string explain(const engine::World& world, const ExplainRequest& request);

/// `sgdns explain --config FILE --client IP [--ecs CIDR] NAME TYPE`; returns the exit status.
[[nodiscard]] int run_explain(int argc, const char* const* argv);

}  // namespace sgdns::app
