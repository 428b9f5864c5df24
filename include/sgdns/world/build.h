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
///
/// Replication: the TSIG key files are read; a secondary zone whose copy does not exist yet is left out
/// (it is served once fetched). Each zone's IXFR journal continues `previous`'s (a reload): the old and
/// new versions are diffed when the serial moved forward; a zone whose content changed while its serial
/// did not is refused (secondaries would never see the change). Without `previous` (a start) each
/// journal is read from config.journal_dir, and kept only if it leads to the serial loaded. A signed
/// zone keeps `previous`'s signatures of the RRsets that did not change (dnssec::SignedZone).
[[nodiscard]] std::shared_ptr<engine::World> build_world(const config::Config& config,
                                                         std::uint64_t generation,
                                                         const engine::World* previous = nullptr);

/// <journal_dir>/<origin>journal, or "" without a journal directory.
[[nodiscard]] std::string journal_path(const config::Config& config, const zone::Zone& zone);

/// Writes the journals of `after` that differ from `before`'s (null: all) to config.journal_dir.
/// Returns one message per journal that could not be written (the reload still stands: the journal in
/// memory serves IXFR; a restart would only fall back to AXFR).
[[nodiscard]] std::vector<std::string> save_journals(const config::Config& config,
                                                     const engine::World* before, const engine::World& after);

/// The geo (policy) records that `config.zones[zone_index]` owns: what a zone fetched from a primary is
/// compiled with, as a file zone is.
[[nodiscard]] std::vector<zone::DynamicOwner> dynamic_owners_of(const config::Config& config,
                                                                const policy::Policy* policy,
                                                                std::size_t zone_index);

/// A copy of `serving` with `zone` in place of the zone of the same origin (or added), with `journal`
/// and `replication` for it; the zone is no longer expired. For a secondary zone's new version: the
/// policy, health table and every other zone are shared, nothing else is rebuilt.
[[nodiscard]] std::shared_ptr<engine::World> with_zone(const engine::World& serving,
                                                       std::shared_ptr<const zone::Zone> zone,
                                                       std::shared_ptr<const zone::Journal> journal,
                                                       const engine::ZoneReplication& replication);

/// A copy of `serving` with `zone` (one of its zones) marked expired (answered SERVFAIL) or not.
[[nodiscard]] std::shared_ptr<engine::World> with_expired(const engine::World& serving,
                                                          const zone::Zone* zone, bool expired);

}  // namespace sgdns::world
