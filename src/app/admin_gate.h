// SPDX-License-Identifier: MIT
// AdminGate: the admin backend civetweb's threads call (app-private). It keeps no state of its own: each
// request that reads or changes the control side runs on the control thread (control_loop.h) against
// Control's pieces, and the caller waits for the reply; explain reads the served World's snapshot and the
// scrape the metrics registry, both made for concurrent readers, so neither waits behind a reload.
#pragma once
#include <map>
#include <string>

#include "sgdns/admin/router.h"

namespace sgdns::app {

class Control;

class AdminGate final : public admin::Backend {
 public:
  explicit AdminGate(Control& control) : control_(control) {}

  admin::Response status() override;
  admin::Response status_page() override;
  admin::Response set_override(const std::string& pool, const std::string& member, const nlohmann::json& body,
                               const std::string& requester) override;
  admin::Response clear_override(const std::string& pool, const std::string& member,
                                 const std::string& requester) override;
  admin::Response fleet() override;
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

  Control& control_;
};

}  // namespace sgdns::app
