// SPDX-License-Identifier: MIT
// AdminGate: the admin backend civetweb's threads call (app-private). It holds no state of its own: each
// request that reads or changes the control side is posted to the control thread (control_loop.h) and
// waited for; explain reads the served World's snapshot and metrics the registry, both made for
// concurrent readers, so a slow explain or scrape never holds up reloads or probe results.
#pragma once
#include <map>
#include <string>

#include "control_loop.h"
#include "sgdns/admin/router.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/net/world_store.h"

namespace sgdns::app {

class AdminGate final : public admin::Backend {
 public:
  /// `control` answers on the control thread of `loop`.
  AdminGate(ControlLoop& loop, admin::Backend& control, net::WorldStore& store, metrics::Metrics& metrics)
      : loop_(loop), control_(control), store_(store), metrics_(metrics) {}

  admin::Response status() override;
  admin::Response set_override(const std::string& pool, const std::string& member,
                               const nlohmann::json& body) override;
  admin::Response clear_override(const std::string& pool, const std::string& member) override;
  admin::Response explain(const std::map<std::string, std::string>& params) override;
  admin::Response reload() override;
  admin::Response dry_run_reload() override;
  admin::Response overrides() override;
  admin::Response ready() override;
  admin::Response metrics() override;

 private:
  /// `fn` on the control thread, or 503 when the server is stopping and the loop takes no more work.
  template <class F>
  admin::Response on_control(F&& fn);

  ControlLoop& loop_;
  admin::Backend& control_;
  net::WorldStore& store_;
  metrics::Metrics& metrics_;
};

}  // namespace sgdns::app
