// SPDX-License-Identifier: MIT
// Control: owns the served World and everything that changes it (reloads, health results, operator
// overrides), and answers the admin API. The query threads never wait for it.
#pragma once
#include <uv.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "overrides_store.h"
#include "reload_report.h"
#include "sgdns/admin/admin_server.h"
#include "sgdns/config/config.h"
#include "sgdns/health/endpoint_set.h"
#include "sgdns/health/prober.h"
#include "sgdns/metrics/metrics.h"
#include "sgdns/net/world_store.h"
#include "status_history.h"

namespace sgdns::app {

class Control final : public admin::Backend {
 public:
  explicit Control(config::Config config);
  ~Control() override;

  /// Starts transports, prober and admin port; runs the control loop until SIGTERM or SIGINT.
  int run();

  admin::Response status() override;
  admin::Response status_page() override;
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
  struct ReloadOutcome {
    bool ok;
    std::string message;
    nlohmann::json changes;
    std::uint64_t generation;           // the generation serving afterwards (read under reload_mu_)
    std::vector<std::string> warnings;  // restart-only settings changed, zone content under an old serial
  };
  /// Loads the configuration and zones again; `trigger` says who asked (logged). A dry run builds and
  /// compares everything but installs nothing.
  /// GET /v1/status's document; the status page is drawn from it too.
  nlohmann::json status_json();
  ReloadOutcome do_reload(const std::string& trigger, bool dry_run);
  admin::Response reload_response(const ReloadOutcome& r, bool dry_run);
  /// Logs each GeoIP database a World was compiled from (at start and after each reload).
  static void log_geoip(const engine::World& world);
  /// Makes `world` current: carries health state and overrides over from the old one, publishes it and
  /// points the prober at its targets. Caller holds reload_mu_.
  void install(std::shared_ptr<engine::World> world);
  void on_probe(const health::Endpoint& endpoint, bool up, bool change, const health::ProbeResult& result);
  void apply_overrides_locked(engine::World& world);
  void expire_overrides();
  void persist_overrides_locked();
  void update_world_metrics(const engine::World& world);

  config::Config config_;
  StartSettings start_settings_;    // what a reload cannot change: compared against, never updated
  std::atomic<bool> ready_{false};  // /v1/ready: serving, not starting or stopping
  metrics::Metrics metrics_;
  std::unique_ptr<net::WorldStore> store_;
  std::unique_ptr<health::Prober> prober_;
  std::unique_ptr<admin::AdminServer> admin_;
  admin::Tokens tokens_;

  std::mutex reload_mu_;  // one reload at a time (SIGHUP and POST /v1/reload); guards config_, generation_
  std::uint64_t generation_ = 1;

  /// Guards what health results and overrides write: the table they go to and the name -> id map.
  std::mutex health_mu_;
  std::shared_ptr<health::HealthTable> health_;
  std::shared_ptr<const policy::Policy> policy_;
  health::EndpointSet endpoints_;  // of the installed World, by Endpoint::key()
  std::map<std::string, Override> overrides_;
  OverridesStore overrides_store_;
  double started_ = 0;
  StatusHistory history_;  // flips and reloads for the status page
};

}  // namespace sgdns::app
