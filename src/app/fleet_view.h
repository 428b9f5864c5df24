// SPDX-License-Identifier: MIT
// FleetView: the control thread's copy of the deployment's keys in etcd (app-private), kept by the updates
// FleetClient delivers, and what they mean: the shared overrides, every instance's heartbeat and health
// report. A value that does not read is logged and left out; it never stops the rest from applying.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fleet_client.h"
#include "overrides_store.h"

namespace sgdns::app::fleet {

class FleetView {
 public:
  explicit FleetView(std::string prefix) : prefix_(std::move(prefix)) {}

  /// Applies `u`; returns the set_at of the newest override it brought (0: none), for the apply lag.
  double apply(const Update& u);

  [[nodiscard]] std::map<std::string, Override> overrides() const;
  /// instance -> heartbeat (as written by heartbeat_json).
  [[nodiscard]] const std::map<std::string, nlohmann::json>& instances() const noexcept { return instances_; }
  /// instance -> ("pool/member" -> up).
  [[nodiscard]] const std::map<std::string, std::map<std::string, bool>>& health() const noexcept {
    return health_;
  }
  [[nodiscard]] std::int64_t revision() const noexcept { return revision_; }

 private:
  double put(const std::string& key, const std::string& value);
  void erase(const std::string& key);

  std::string prefix_;
  std::int64_t revision_ = 0;
  std::map<std::string, StoredOverride> overrides_;  // by etcd key
  std::map<std::string, nlohmann::json> instances_;
  std::map<std::string, std::map<std::string, bool>> health_;
};

}  // namespace sgdns::app::fleet
