// SPDX-License-Identifier: MIT
// The control thread's copy of the fleet's keys and what they mean (fleet_view.h).
#include "fleet_view.h"

#include <algorithm>

#include "sgdns/util/log.h"
#include "sgdns/util/text.h"

namespace sgdns::app::fleet {

double FleetView::apply(const Update& u) {
  double newest = 0;
  if (u.full) {
    overrides_.clear();
    instances_.clear();
    health_.clear();
    for (const etcd::KeyValue& kv : u.kvs) newest = std::max(newest, put(kv.key, kv.value));
  } else {
    for (const etcd::WatchEvent& e : u.events) {
      if (e.deleted)
        erase(e.kv.key);
      else
        newest = std::max(newest, put(e.kv.key, e.kv.value));
    }
  }
  revision_ = std::max(revision_, u.revision);
  return newest;
}

double FleetView::put(const std::string& key, const std::string& value) {
  const ParsedKey k = parse_key(prefix_, key);
  try {
    switch (k.kind) {
      case KeyKind::Override: {
        StoredOverride s = parse_override_value(value);
        if (s.o.key() != k.name) throw std::runtime_error("names " + s.o.key() + ", not what its key says");
        const double at = s.o.set_at;
        overrides_[key] = std::move(s);
        return at;
      }
      case KeyKind::Instance:
        instances_[k.name] = parse_instance_value(value);
        break;
      case KeyKind::Health:
        health_[k.name] = parse_health_value(value);
        break;
      case KeyKind::Audit:
      case KeyKind::Other:
        break;
    }
  } catch (const std::exception& e) {
    erase(key);  // a broken value replaces a good one: the good one is no longer what etcd holds
    log::warn("fleet: " + text::escape(key, 256) + ": " + text::escape(e.what(), 256) + "; ignored");
  }
  return 0;
}

void FleetView::erase(const std::string& key) {
  const ParsedKey k = parse_key(prefix_, key);
  if (k.kind == KeyKind::Override) overrides_.erase(key);
  if (k.kind == KeyKind::Instance) instances_.erase(k.name);
  if (k.kind == KeyKind::Health) health_.erase(k.name);
}

std::map<std::string, Override> FleetView::overrides() const {
  std::map<std::string, Override> out;
  for (const auto& [key, s] : overrides_) out[s.o.key()] = s.o;
  return out;
}

}  // namespace sgdns::app::fleet
