// SPDX-License-Identifier: MIT
// Control: wires the server together and runs its control thread (app-private). It owns the served World
// store, the transports, the prober and the admin port, and answers admin requests by handing them to
// its pieces: Reloader (reloads), HealthSink (probe results), Overrides (operator overrides) and the admin
// views. Every one of its methods runs on the control thread (control_loop.h): the prober and civetweb
// post to it (AdminGate), so none of its state needs a lock, and the query threads never wait for it.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "admin_gate.h"
#include "control_loop.h"
#include "health_sink.h"
#include "overrides.h"
#include "reloader.h"
#include "sgdns/admin/admin_server.h"
#include "sgdns/config/config.h"
#include "sgdns/health/prober.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/net/world_store.h"

namespace sgdns::app {

class Control final : public admin::Backend {
 public:
  /// Builds the first World; the constructing thread is the control thread.
  explicit Control(config::Config config);
  ~Control() override;

  /// Starts transports, prober and admin port; runs the control loop until SIGTERM or SIGINT.
  int run();

  // The admin backend, on the control thread (civetweb's threads reach it through AdminGate).
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
  Reloader::Outcome reload_from(const std::string& trigger, bool dry_run);
  /// Makes `world` current: health state and overrides carried over from the old one, published, and the
  /// prober pointed at its targets.
  void install(std::shared_ptr<engine::World> world);
  void update_world_metrics(const engine::World& world);
  /// Logs each GeoIP database a World was compiled from (at start and after each reload).
  static void log_geoip(const engine::World& world);

  ControlLoop loop_;  // first: the pieces below post to it
  metrics::Metrics metrics_;
  Reloader reloader_;
  HealthSink health_sink_;
  Overrides overrides_;
  admin::Tokens tokens_;
  std::unique_ptr<net::WorldStore> store_;
  std::unique_ptr<health::Prober> prober_;
  std::unique_ptr<AdminGate> gate_;
  std::unique_ptr<admin::AdminServer> admin_;
  bool ready_ = false;  // /v1/ready: serving, not starting or stopping
  double started_ = 0;
};

}  // namespace sgdns::app
