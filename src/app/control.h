// SPDX-License-Identifier: MIT
// Control: wires the server together and runs its control thread (app-private). It owns the served World
// store, the transports, the prober and the admin port, and answers admin requests by handing them to
// its pieces: Reloader (reloads), HealthSink (probe results), Overrides (operator overrides), Replication
// (journals, NOTIFY) and the admin views. Its state is only touched on the control thread
// (control_loop.h): the prober posts its results there, the query threads post the NOTIFYs they accept
// and AdminGate runs admin requests there, so nothing needs a lock and the query threads never wait for it.
#pragma once
#include <memory>
#include <string>

#include "admin_gate.h"
#include "admin_views.h"
#include "control_loop.h"
#include "fleet_client.h"
#include "fleet_view.h"
#include "health_sink.h"
#include "overrides.h"
#include "reloader.h"
#include "replication.h"
#include "secondaries.h"
#include "sgdns/admin/admin_server.h"
#include "sgdns/config/config.h"
#include "sgdns/health/prober.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/net/world_store.h"
#include "signed_serial_age.h"
#include "status_history.h"

namespace sgdns::app {

class Control {
 public:
  /// Builds the first World; the constructing thread is the control thread.
  explicit Control(config::Config config);
  ~Control();

  /// Starts transports, prober and admin port; runs the control loop until SIGTERM or SIGINT.
  int run();
  /// The admin backend (civetweb's threads call it; it runs each request on the control thread).
  [[nodiscard]] admin::Backend& admin() noexcept { return gate_; }

  // For AdminGate, on the control thread only (store() and metrics() are safe from any thread).
  [[nodiscard]] ControlLoop& loop() noexcept { return loop_; }
  [[nodiscard]] net::WorldStore& store() noexcept { return *store_; }
  [[nodiscard]] metrics::Metrics& metrics() noexcept { return metrics_; }
  [[nodiscard]] Overrides& overrides() noexcept { return overrides_; }
  [[nodiscard]] StatusFacts status_facts() const;
  [[nodiscard]] const StatusHistory& history() const noexcept { return history_; }
  /// The fleet link, null without a `fleet` section. Its writes run on the caller's thread.
  [[nodiscard]] fleet::FleetClient* fleet() noexcept { return fleet_.get(); }
  /// GET /v1/fleet's document (control thread).
  [[nodiscard]] nlohmann::json fleet_report() const;
  /// Loads the configuration and zones again and, unless `dry_run`, installs the new World.
  Reloader::Outcome reload_from(const std::string& trigger, bool dry_run);

 private:
  /// Makes `world` current: health state and overrides carried over from the old one, published, and the
  /// prober pointed at its targets.
  void install(std::shared_ptr<engine::World> world);
  void update_world_metrics(const engine::World& world);
  /// Serves `next`, made from `before` by Secondaries (a zone's new version, or its expiry): published,
  /// journals saved and NOTIFY sent as after a reload.
  void install_secondary(std::shared_ptr<engine::World> next, const engine::World& before);
  /// geoip.check_interval: reloads when a database file changed since it was last read (the loop asks
  /// every second; the interval decides how often that costs a stat() per file).
  void check_geoip_files();
  /// The fleet: what the watcher delivered, applied (control thread).
  void on_fleet_update(const fleet::Update& u);
  /// Each second: the fleet link's metrics, and the health view again when the link came or went.
  void fleet_tick();
  /// What this instance publishes under its lease (control thread).
  [[nodiscard]] fleet::Publication fleet_publication() const;
  /// Shared health: the served state of member `name` given this instance's own probe.
  [[nodiscard]] bool fleet_decides(const std::string& name, bool own_up) const;
  /// Logs each GeoIP database a World was compiled from (at start and after each reload).
  static void log_geoip(const engine::World& world);

  ControlLoop loop_;  // first: the pieces below post to it
  metrics::Metrics metrics_;
  Reloader reloader_;
  HealthSink health_sink_;
  Overrides overrides_;
  Replication replication_;                      // journals and NOTIFY as the served World changes
  SignedSerialAge signed_serial_age_{metrics_};  // for the signed-zone serial alert
  admin::Tokens tokens_;
  std::unique_ptr<net::WorldStore> store_;
  std::unique_ptr<Secondaries> secondaries_;  // after store_: its thread is joined before store_ goes
  std::unique_ptr<health::Prober> prober_;
  AdminGate gate_{*this};
  std::unique_ptr<admin::AdminServer> admin_;
  bool ready_ = false;  // /v1/ready: serving, not starting or stopping
  double started_ = 0;
  double geoip_checked_at_ = 0;                   // when check_geoip_files last looked
  StatusHistory history_;                         // flips and reloads for the status page
  std::unique_ptr<fleet::FleetView> fleet_view_;  // with a fleet: its keys as last seen
  std::unique_ptr<fleet::FleetClient> fleet_;     // last: its threads post to the pieces above
  bool fleet_was_connected_ = false;              // at the last fleet_tick()
  std::string config_digest_, geoip_digest_;      // of the World served, for the heartbeat
};

}  // namespace sgdns::app
