// SPDX-License-Identifier: MIT
// RFC 1034 4.3.2 lookup inside one zone, filling the answer plan (private to the engine).
#pragma once
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

/// Fills `scratch.plan` for the query in `scratch.query`, which falls inside `zone`.
[[nodiscard]] Outcome resolve(const World& world, const zone::Zone& zone, const Client& client,
                              Scratch& scratch) noexcept;

}  // namespace sgdns::engine
