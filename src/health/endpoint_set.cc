// SPDX-License-Identifier: MIT
// Endpoint identity (Endpoint::key), the key index of a policy's endpoints, and the reload carry-over.
#include "sgdns/health/endpoint_set.h"

#include <algorithm>

namespace sgdns::health {

std::string Endpoint::key() const {
  const CheckSpec& c = check;
  // Fields joined by a byte no address, path or host header can hold, so two keys are equal only when
  // every field is.
  std::string k = address;
  auto add = [&k](const std::string& field) {
    k += '\n';
    k += field;
  };
  add(std::to_string(static_cast<int>(c.type)));
  add(std::to_string(c.port));
  add(c.path);
  add(c.host);
  std::string expect;
  for (int status : c.expect) expect += std::to_string(status) + ",";
  add(expect);
  add(c.body_contains);
  add(c.verify_tls ? "verify" : "no-verify");
  return k;
}

EndpointSet::EndpointSet(std::vector<Endpoint> endpoints) : endpoints_(std::move(endpoints)) {
  for (std::size_t i = 0; i < endpoints_.size(); ++i) by_key_.emplace(endpoints_[i].key(), i);
}

std::vector<const Endpoint*> EndpointSet::with_key(const std::string& key) const {
  std::vector<const Endpoint*> out;
  auto [first, last] = by_key_.equal_range(key);
  for (auto it = first; it != last; ++it) out.push_back(&endpoints_[it->second]);
  // unordered_multimap keeps no order among equal keys: policy order makes the result repeatable.
  std::sort(out.begin(), out.end());
  return out;
}

void carry_over(const EndpointSet& before, const HealthTable* old_table, const EndpointSet& after,
                HealthTable& table) {
  for (const Endpoint& e : after.all()) {
    bool up = e.check.start_up;
    if (old_table) {
      const std::vector<const Endpoint*> old = before.with_key(e.key());
      if (!old.empty()) up = old_table->probed_up(old.front()->id);
    }
    table.set_probed(e.id, e.check, up);
  }
}

}  // namespace sgdns::health
