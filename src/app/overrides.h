// SPDX-License-Identifier: MIT
// Overrides: the operator's forced up/down states (app-private, control thread only). It keeps the set,
// writes it to the state file before it takes effect, forces it into the served health table and expires
// what has run out.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "overrides_store.h"
#include "sgdns/engine/world.h"
#include "sgdns/health/table.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/policy/policy.h"

namespace sgdns::app {

class Overrides {
 public:
  /// What a change came to: `status` 200 when done, else the HTTP status of `error` (404 nothing by that
  /// name, 500 the state file could not be written and nothing changed).
  struct Result {
    int status = 200;
    std::string error;
  };

  Overrides(std::string state_file, metrics::Metrics& metrics);

  /// Reads the state file (a broken one is moved aside and counted: DNS never waits for it) and keeps
  /// what has not expired at `now` (unix seconds).
  void restore(double now);
  /// `world` is about to be served: every override naming one of its members is forced into its table;
  /// the others are kept (logged) until cleared, for a reload that brings the member back.
  void install(engine::World& world);

  /// 404 when `o` names no configured pool or member, else 200: what set() would say before writing.
  [[nodiscard]] Result validate(const Override& o) const;
  Result set(const Override& o);
  Result clear(const std::string& pool, const std::string& member);
  /// The fleet's overrides (fleet_view.h) become the set in force: what they drop is unforced, what they
  /// bring is forced, the state file is rewritten as the cache for a start without etcd. Returns whether
  /// anything changed.
  bool replace_all(const std::map<std::string, Override>& next);
  /// Drops the overrides whose time has come at `now` (unix seconds).
  void expire(double now);

  [[nodiscard]] const std::map<std::string, Override>& all() const noexcept { return overrides_; }
  /// Whether `o` names a member of the installed World (else it applies to nothing for now).
  [[nodiscard]] bool applies(const Override& o) const noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return store_.path(); }

 private:
  void force(const std::string& pool, const std::string& member, health::HealthTable::Forced f);

  metrics::Metrics& metrics_;
  OverridesStore store_;
  std::map<std::string, Override> overrides_;
  std::shared_ptr<const policy::Policy> policy_;
  std::shared_ptr<health::HealthTable> health_;
};

}  // namespace sgdns::app
