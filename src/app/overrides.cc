// SPDX-License-Identifier: MIT
// Operator overrides: kept, persisted first, forced into the health table, expired (overrides.h).
#include "overrides.h"

#include <stdexcept>

#include "sgdns/util/log.h"
#include "sgdns/util/text.h"

namespace sgdns::app {
namespace {

health::HealthTable::Forced forced_of(const Override& o) {
  return o.up ? health::HealthTable::Forced::Up : health::HealthTable::Forced::Down;
}

}  // namespace

Overrides::Overrides(std::string state_file, metrics::Metrics& metrics)
    : metrics_(metrics), store_(std::move(state_file)) {}

void Overrides::restore(double now) {
  OverridesStore::Loaded loaded = store_.load();
  if (!loaded.problem.empty()) {
    // The state DNS does not need must never stop DNS: keep the file for the operator, start without it.
    metrics_.state_file_quarantined.Increment();
    log::error("admin.state_file " + store_.path() + ": " + text::escape(loaded.problem) +
               (loaded.moved_to.empty() ? "" : "; moved aside to " + loaded.moved_to) +
               "; starting with no overrides");
  }
  for (auto& [key, o] : loaded.overrides) {
    if (o.expires == 0 || o.expires > now) overrides_[key] = o;
  }
  if (!overrides_.empty())
    log::info("restored " + std::to_string(overrides_.size()) + " override(s) from " + store_.path());
}

void Overrides::install(engine::World& world) {
  policy_ = world.policy;
  health_ = world.health;
  for (const auto& [key, o] : overrides_) {
    if (!applies(o)) {
      log::warn("override " + key + " names no configured member; kept until cleared");
      continue;
    }
    force(o.pool, o.member, forced_of(o));
  }
}

bool Overrides::applies(const Override& o) const noexcept {
  return policy_ && policy_->health_id(o.pool, o.member) >= 0;
}

void Overrides::force(const std::string& pool, const std::string& member, health::HealthTable::Forced f) {
  const std::int64_t id = policy_ ? policy_->health_id(pool, member) : -1;
  if (id >= 0 && health_) health_->set_forced(static_cast<std::uint32_t>(id), f);
}

Overrides::Result Overrides::validate(const Override& o) const {
  if (!policy_ || policy_->pool_index(o.pool) < 0) return {404, "no pool \"" + o.pool + "\""};
  if (!applies(o)) return {404, "no member \"" + o.member + "\" in pool \"" + o.pool + "\""};
  return {};
}

Overrides::Result Overrides::set(const Override& o) {
  if (Result bad = validate(o); bad.status != 200) return bad;
  auto previous = overrides_;
  overrides_[o.key()] = o;
  try {
    store_.save(overrides_);
  } catch (const std::exception& e) {
    overrides_ = std::move(previous);
    return {500, std::string("override not applied: cannot persist it: ") + e.what()};
  }
  // Applied before the reply: the next query after this returns sees it.
  force(o.pool, o.member, forced_of(o));
  metrics_.override_changes.Add({{"action", "set"}}).Increment();
  log::info("override: " + o.key() + " forced " + (o.up ? "up" : "down") +
            " (reason: " + (o.reason.empty() ? "none given" : "\"" + text::escape(o.reason) + "\"") + ")");
  return {};
}

Overrides::Result Overrides::clear(const std::string& pool, const std::string& member) {
  const std::string key = pool + "/" + member;
  auto it = overrides_.find(key);
  if (it == overrides_.end() && (!policy_ || policy_->pool_index(pool) < 0))
    return {404, "no pool \"" + pool + "\""};
  if (it == overrides_.end()) return {404, "no override for " + key};
  const Override removed = it->second;
  overrides_.erase(it);
  try {
    store_.save(overrides_);
  } catch (const std::exception& e) {
    overrides_[key] = removed;
    return {500, std::string("override kept: cannot persist the change: ") + e.what()};
  }
  force(pool, member, health::HealthTable::Forced::None);
  metrics_.override_changes.Add({{"action", "clear"}}).Increment();
  log::info("override: " + key + " cleared");
  return {};
}

bool Overrides::replace_all(const std::map<std::string, Override>& next) {
  auto same = [](const Override& a, const Override& b) {
    return a.pool == b.pool && a.member == b.member && a.up == b.up && a.reason == b.reason &&
           a.set_at == b.set_at && a.expires == b.expires;
  };
  bool changed = next.size() != overrides_.size();
  for (const auto& [key, o] : overrides_) {
    auto it = next.find(key);
    if (it == next.end()) {
      force(o.pool, o.member, health::HealthTable::Forced::None);
      log::info("override: " + key + " cleared (fleet)");
      changed = true;
    } else if (!same(it->second, o)) {
      changed = true;
    }
  }
  if (!changed) return false;
  for (const auto& [key, o] : next) {
    auto old = overrides_.find(key);
    if (old == overrides_.end() || !same(old->second, o))
      log::info("override: " + key + " forced " + (o.up ? "up" : "down") + " (fleet; reason: " +
                (o.reason.empty() ? "none given" : "\"" + text::escape(o.reason) + "\"") + ")");
    if (applies(o)) force(o.pool, o.member, forced_of(o));
  }
  overrides_ = next;
  metrics_.override_changes.Add({{"action", "fleet"}}).Increment();
  try {
    store_.save(overrides_);
  } catch (const std::exception& e) {
    // Served anyway: etcd holds the set, the file is only the cache for a start without it.
    log::error(std::string("overrides: fleet state not cached: ") + e.what());
  }
  return true;
}

void Overrides::expire(double now) {
  bool changed = false;
  for (auto it = overrides_.begin(); it != overrides_.end();) {
    if (it->second.expires > 0 && it->second.expires <= now) {
      force(it->second.pool, it->second.member, health::HealthTable::Forced::None);
      log::info("override: " + it->first + " expired");
      it = overrides_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (!changed) return;
  try {
    store_.save(overrides_);
  } catch (const std::exception& e) {
    log::error(std::string("overrides: ") + e.what());
  }
}

}  // namespace sgdns::app
