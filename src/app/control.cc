// SPDX-License-Identifier: MIT
// The server wired together, and its control thread: signals, reloads, probe results, overrides, admin.
#include "control.h"

#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "descriptor_limit.h"
#include "fleet_status.h"
#include "privileges.h"
#include "reload_report.h"
#include "sgdns/app/build_info.h"
#include "sgdns/app/geoip_report.h"
#include "sgdns/dnstap/sink.h"
#include "sgdns/net/tcp_server.h"
#include "sgdns/net/udp_server.h"
#include "sgdns/util/log.h"
#include "token_file.h"
#include "world_report.h"

namespace sgdns::app {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string read_token(const std::string& setting, const std::string& path) {
  if (path.empty()) return {};
  const std::optional<std::string> read = read_token_file(path);
  if (!read) throw std::runtime_error(setting + " " + path + ": cannot read");
  const std::string& token = *read;
  if (token.size() < 16)
    throw std::runtime_error(setting + " " + path + ": the token must be at least 16 characters");
  if (readable_by_others(path))
    log::warn(setting + " " + path + ": readable by group or others: chmod 600 it");
  return token;
}

/// fleet.instance, else the NSID, else the host name: what names this instance in the fleet's keys.
std::string fleet_instance_name(const config::Config& c) {
  if (!c.fleet.instance.empty()) return c.fleet.instance;
  if (!c.options.nsid.empty()) return c.options.nsid;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0 && name[0]) return name;
  throw std::runtime_error("fleet.instance: not set, no identity.nsid and no host name: name this instance");
}

int worker_count(const config::Config& c) {
  if (c.threads > 0) return c.threads;
  unsigned cores = std::thread::hardware_concurrency();
  return cores ? static_cast<int>(cores) : 1;
}

}  // namespace

Control::Control(config::Config config)
    : reloader_(std::move(config)),
      health_sink_(metrics_),
      overrides_(reloader_.config().admin.state_file, metrics_),
      started_(now_seconds()) {
  const config::Config& c = reloader_.config();
  log::set_level(c.log_level);
  const BuildInfo& build = build_info();
  metrics_.build_info
      .Add({{"version", build.version}, {"commit", build.commit}, {"build_type", build.build_type}})
      .Set(1);
  tokens_.write = read_token("admin.token_file", c.admin.token_file);
  tokens_.read = read_token("admin.read_token_file", c.admin.read_token_file);
  overrides_.restore(now_seconds());
  auto world = reloader_.first_world();
  store_ = std::make_unique<net::WorldStore>(world);
  secondaries_ = std::make_unique<Secondaries>(
      loop_, metrics_, [this] { return store_->snapshot(); },
      [this](std::shared_ptr<engine::World> next, const engine::World& before) {
        install_secondary(std::move(next), before);
      });
  secondaries_->configure(c, *world, now_seconds());
  metrics_.set_notify_source([this] { return replication_.totals(); });
  // NOTIFYs the query threads accept are handled on the control thread, like everything else here.
  store_->set_notify_handler([this](const std::string& origin) {
    loop_.post([this, origin] {
      replication_.notified(origin);
      secondaries_->notified(origin, now_seconds());
    });
  });
  // Probe results arrive on the prober's thread and are applied on the control thread.
  prober_ = std::make_unique<health::Prober>(
      [this](const health::Endpoint& e, bool up, bool change, const health::ProbeResult& r) {
        loop_.post([this, e, up, change, r] {
          health_sink_.on_probe(e, up, change, r);
          if (change) history_.add_flip({now_seconds(), e.name, up});
        });
      });
  if (c.fleet.enabled()) {
    config::FleetConfig fc = c.fleet;
    fc.instance = fleet_instance_name(c);
    fleet_view_ = std::make_unique<fleet::FleetView>(fc.prefix);
    if (fc.shared_health)
      health_sink_.set_decide([this](const std::string& name, bool own) { return fleet_decides(name, own); });
    fleet_ = std::make_unique<fleet::FleetClient>(
        std::move(fc),
        [this](fleet::Update u) { loop_.post([this, u = std::move(u)] { on_fleet_update(u); }); },
        [this] { return loop_.call([this] { return fleet_publication(); }); });
  }
  install(world);
  log::info("loaded " + describe(*world));
  log_geoip(*world);
}

Control::~Control() {
  // Nothing posted may run once the pieces it uses are gone: the prober stops posting first.
  prober_.reset();
  loop_.close();
  metrics_.set_notify_source({});
}

void Control::install(std::shared_ptr<engine::World> world) {
  if (fleet_) {
    config_digest_ = fleet::served_config_digest(*world);
    geoip_digest_ = fleet::geoip_digest(*world);
  }
  health_sink_.install(*world);
  overrides_.install(*world);
  if (store_->current() != world.get()) store_->publish(world);
  prober_->set_endpoints(world->policy ? world->policy->endpoints : std::vector<health::Endpoint>{});
  update_world_metrics(*world);
}

void Control::install_secondary(std::shared_ptr<engine::World> next, const engine::World& before) {
  store_->publish(next);
  update_world_metrics(*next);
  replication_.reloaded(reloader_.config(), before, *next);
}

void Control::update_world_metrics(const engine::World& world) {
  metrics_.config_generation.Set(static_cast<double>(world.generation));
  // Every series exists from the start at its current value, so rate() and increase() see the first event.
  metrics_.reloads.Add({{"outcome", "ok"}});
  metrics_.reloads.Add({{"outcome", "refused"}});
  if (world.policy) {
    for (const health::Endpoint& e : world.policy->endpoints) {
      metrics_.endpoint_up.Add({{"endpoint", e.name}}).Set(world.health->probed_up(e.id) ? 1 : 0);
      metrics_.health_flips.Add({{"endpoint", e.name}, {"to", "up"}});
      metrics_.health_flips.Add({{"endpoint", e.name}, {"to", "down"}});
    }
  }
  for (const auto& z : world.zones.zones())
    metrics_.zone_serial.Add({{"zone", z->origin_text()}}).Set(z->serial());
  signed_serial_age_.update(world, now_seconds());
  for (const auto& s : world.signed_zones) {
    const std::string origin = s->zone().origin_text();
    const auto& stats = s->load_stats();
    metrics_.dnssec_static_rrsets.Add({{"zone", origin}, {"signatures", "signed"}})
        .Set(static_cast<double>(stats.signed_rrsets));
    metrics_.dnssec_static_rrsets.Add({{"zone", origin}, {"signatures", "kept"}})
        .Set(static_cast<double>(stats.kept_rrsets));
  }
  std::vector<std::string> records, regions, pools;
  if (world.policy) {
    for (const auto& r : world.policy->records) records.push_back(r.name);
    for (const auto& r : world.policy->regions) regions.push_back(r.name);
    for (const auto& p : world.policy->pools) pools.push_back(p.name);
  }
  metrics_.set_names(std::move(records), std::move(regions), std::move(pools));
  // What the alert rules compare live figures with (monitoring/prometheus/sgdns.rules.yml).
  metrics::Metrics::Figures worst_case, intervals, timeouts;
  double budget = 0;
  if (world.policy) {
    budget = static_cast<double>(world.policy->failover_budget_ms) / 1000;
    for (const auto& r : world.policy->records)
      if (r.worst_failover_ms > 0)
        worst_case.emplace_back(r.name, static_cast<double>(r.worst_failover_ms) / 1000);
    for (const health::Endpoint& e : world.policy->endpoints) {
      intervals.emplace_back(e.name, static_cast<double>(e.check.interval_ms) / 1000);
      timeouts.emplace_back(e.name, static_cast<double>(e.check.timeout_ms) / 1000);
    }
  }
  metrics_.set_config_figures(world.config_sha256, budget, worst_case, intervals, timeouts);
}

StatusFacts Control::status_facts() const {
  StatusFacts f{started_, ready_, prober_->status(), nullptr};
  if (fleet_) {
    const bool connected = fleet_->connected();
    const config::FleetConfig& fc = fleet_->config();
    f.fleet = {{"instance", fc.instance},
               {"prefix", fc.prefix},
               {"connected", connected},
               {"revision", fleet_view_->revision()},
               {"overrides", connected ? "shared (etcd)" : "last known (etcd unreachable)"}};
    if (fc.shared_health) {
      f.fleet["health_view"] = connected ? "fleet (quorum " + std::to_string(fc.quorum) + ")"
                                         : "own probes only (etcd unreachable)";
      f.fleet["health_disagreements"] = health_sink_.disagreements();
    } else {
      f.fleet["health_view"] = "own probes (shared_health off)";
    }
  }
  return f;
}

void Control::on_fleet_update(const fleet::Update& u) {
  const double newest = fleet_view_->apply(u);
  if (overrides_.replace_all(fleet_view_->overrides()) && newest > 0)
    metrics_.fleet_apply_lag.Set(std::max(0.0, now_seconds() - newest));
  if (fleet_->config().shared_health) health_sink_.reapply();
  metrics_.fleet_revision.Set(static_cast<double>(fleet_view_->revision()));
}

void Control::fleet_tick() {
  if (!fleet_) return;
  const bool connected = fleet_->connected();
  metrics_.fleet_connected.Set(connected ? 1 : 0);
  if (connected == fleet_was_connected_) return;
  fleet_was_connected_ = connected;
  if (fleet_->config().shared_health) {
    log::info(connected ? "fleet: health decided with the fleet again (quorum " +
                              std::to_string(fleet_->config().quorum) + ")"
                        : "fleet: etcd unreachable: health decided by this instance's own probes");
    health_sink_.reapply();
  }
}

bool Control::fleet_decides(const std::string& name, bool own_up) const {
  if (!fleet_ || !fleet_->connected()) return own_up;
  int reporting = 1, down = own_up ? 0 : 1;
  for (const auto& [instance, members] : fleet_view_->health()) {
    if (instance == fleet_->config().instance) continue;  // this instance's own state is the live one
    auto it = members.find(name);
    if (it == members.end()) continue;
    ++reporting;
    if (!it->second) ++down;
  }
  return !fleet::down_by_quorum(down, reporting, fleet_->config().quorum);
}

fleet::Publication Control::fleet_publication() const {
  const engine::World& world = *store_->snapshot();
  const BuildInfo& build = build_info();
  fleet::Heartbeat h;
  h.instance = fleet_->config().instance;
  h.nsid = world.options.nsid;
  h.version = build.version;
  h.commit = build.commit;
  h.config_digest = config_digest_;
  h.geoip_digest = geoip_digest_;
  for (const auto& z : world.zones.zones()) h.serials[z->origin_text()] = z->serial();
  h.shared_health = fleet_->config().shared_health;
  if (h.shared_health) h.disagreements = health_sink_.disagreements();
  h.started = started_;
  h.time = now_seconds();
  fleet::Publication p{fleet::heartbeat_json(h), std::nullopt};
  if (h.shared_health) p.health = fleet::health_value(health_sink_.own(), h.time);
  return p;
}

nlohmann::json Control::fleet_report() const {
  // A heartbeat is written every second; three missed ones are worth a flag before the lease drops it.
  constexpr double kStaleAfter = 3.0 * fleet::FleetClient::kHeartbeatMs / 1000;
  return fleet::fleet_report(fleet_view_->instances(), fleet_->config().instance, fleet_->connected(),
                             fleet_view_->revision(), now_seconds(), kStaleAfter);
}

Reloader::Outcome Control::reload_from(const std::string& trigger, bool dry_run) {
  const std::shared_ptr<const engine::World> before = store_->snapshot();
  Reloader::Outcome r = reloader_.reload(trigger, dry_run, *before);
  if (r.world) {
    secondaries_->configure(reloader_.config(), *r.world, now_seconds());
    install(r.world);
    replication_.reloaded(reloader_.config(), *before, *r.world);
    metrics_.reloads.Add({{"outcome", "ok"}}).Increment();
    metrics_.config_last_reload_successful.Set(1);
    log::info("reload: done, generation " + std::to_string(r.generation) + ": " + describe(*r.world));
    history_.add_reload({now_seconds(), trigger, true, r.generation, "reloaded: " + describe(*r.world)});
    log_geoip(*r.world);
  } else if (!r.ok && !dry_run) {
    metrics_.reloads.Add({{"outcome", "refused"}}).Increment();
    metrics_.config_last_reload_successful.Set(0);
    history_.add_reload({now_seconds(), trigger, false, r.generation, r.message});
  }
  return r;
}

void Control::check_geoip_files() {
  const long interval_ms = reloader_.config().policy.geoip_check_interval_ms;
  const double now = now_seconds();
  if (interval_ms <= 0 || now - geoip_checked_at_ < static_cast<double>(interval_ms) / 1000) return;
  geoip_checked_at_ = now;
  if (const std::string changed = reloader_.geoip_changed(); !changed.empty())
    (void)reload_from("geoip.check_interval: " + changed + " changed", false);
}

void Control::log_geoip(const engine::World& world) {
  for (const auto& db : geoip_json(world))
    log::info("geoip: read " + db["path"].get<std::string>() + ": " + db["type"].get<std::string>() +
              ", built " + db["build_date"].get<std::string>() + ", " +
              std::to_string(db["networks"].get<std::uint64_t>()) + " networks, layout " +
              db["layout"].get<std::string>());
  // The coverage table, so that data which places nobody shows in the log at the load that brought it.
  for (const std::string& line : geoip_report_lines(world)) {
    if (line.starts_with("warning: "))
      log::warn("geoip: " + line.substr(9));
    else
      log::info("geoip: " + line);
  }
}

int Control::run() {
  // A copy: a reload on this thread replaces the Reloader's configuration while these settings, read
  // once at start, stay what the sockets were made with.
  const config::Config config = reloader_.config();
  const std::optional<RunAs> run_as = plan_run_as(config);
  const engine::World& first = *store_->snapshot();
  const std::size_t probe_targets = first.policy ? first.policy->endpoints.size() : 0;
  check_descriptor_limit(descriptor_needs(config, worker_count(config), probe_targets),
                         raise_descriptor_limit());
  // Every socket is bound (port 53 needs root) before root is given up.
  // dnstap: one producer per UDP worker socket and one for the TCP thread; declared first so that it
  // outlives (and flushes after) every thread that logs through it.
  const std::size_t udp_sockets = static_cast<std::size_t>(worker_count(config)) * config.listen.size();
  std::unique_ptr<dnstap::Sink> dnstap;
  if (config.dnstap.enabled()) {
    dnstap = std::make_unique<dnstap::Sink>(config.dnstap, udp_sockets + 1);
    log::info("dnstap: logging " + std::string(config.dnstap.log_queries ? "queries " : "") +
              (config.dnstap.log_responses ? "responses " : "") + "(1 in " +
              std::to_string(config.dnstap.sample) + ") to " + config.dnstap.socket);
    metrics_.set_dnstap_source([sink = dnstap.get()] { return std::pair{sink->sent(), sink->dropped()}; });
  }
  // Scrapes stop reading the sink before it goes, however this function is left.
  struct ForgetDnstap {
    metrics::Metrics& m;
    ~ForgetDnstap() { m.set_dnstap_source({}); }
  } forget_dnstap{metrics_};
  net::UdpServer udp(config.listen, worker_count(config), *store_, &metrics_.counters(), dnstap.get());
  net::TcpServer tcp(config.listen, config.tcp, *store_, &metrics_.counters(),
                     dnstap ? &dnstap->producer(udp_sockets) : nullptr);
  if (config.admin.listen)
    admin_ = std::make_unique<admin::AdminServer>(
        admin::ListenOptions{*config.admin.listen, config.admin.tls_certificate, config.admin.tls_key},
        tokens_, gate_);
  if (run_as) drop_privileges(*run_as);
  check_file_access(config);
  udp.start();
  tcp.start();
  prober_->start();
  if (fleet_) {
    log::info("fleet: instance " + fleet_->config().instance + ", prefix " + fleet_->config().prefix +
              ", etcd " + fleet_->config().endpoints.front() +
              (fleet_->config().endpoints.size() > 1
                   ? " (+" + std::to_string(fleet_->config().endpoints.size() - 1) + ")"
                   : ""));
    fleet_->start();
  }
  for (const auto& a : config.listen) log::info("listening on " + a.text + " (udp, tcp)");
  // Only now: a secondary that gets our start NOTIFY transfers at once, and must find us listening.
  replication_.started(config, *store_->snapshot());
  if (config.admin.listen)
    log::info(std::string("admin API on ") + (config.admin.tls_certificate.empty() ? "http://" : "https://") +
              config.admin.listen->text);
  log::info("ready: " + std::to_string(worker_count(config)) + " udp workers per listen address");
  ready_ = true;

  uv_loop_t* loop = loop_.uv();
  loop->data = this;
  uv_signal_t hup, term, intr;
  uv_timer_t expiry, geoip_check, secondary_check;
  for (uv_signal_t* s : {&hup, &term, &intr}) uv_signal_init(loop, s);
  for (uv_timer_t* t : {&expiry, &geoip_check, &secondary_check}) uv_timer_init(loop, t);
  uv_signal_start(
      &hup, [](uv_signal_t* s, int) { static_cast<Control*>(s->loop->data)->reload_from("SIGHUP", false); },
      SIGHUP);
  auto stop = [](uv_signal_t* s, int signum) {
    auto* self = static_cast<Control*>(s->loop->data);
    self->ready_ = false;
    log::info(std::string("stopping on ") + (signum == SIGTERM ? "SIGTERM" : "SIGINT"));
    self->loop_.stop();
  };
  uv_signal_start(&term, stop, SIGTERM);
  uv_signal_start(&intr, stop, SIGINT);
  uv_timer_start(
      &expiry,
      [](uv_timer_t* t) {
        auto* self = static_cast<Control*>(t->loop->data);
        self->overrides_.expire(now_seconds());
        self->fleet_tick();
      },
      1000, 1000);
  uv_timer_start(
      &geoip_check, [](uv_timer_t* t) { static_cast<Control*>(t->loop->data)->check_geoip_files(); }, 1000,
      1000);
  // Secondary zones: the first refresh at once (0 ms), then the SOA timers checked every second.
  uv_timer_start(
      &secondary_check,
      [](uv_timer_t* t) { static_cast<Control*>(t->loop->data)->secondaries_->tick(now_seconds()); }, 0,
      1000);
  loop_.run();

  for (uv_signal_t* s : {&hup, &term, &intr}) uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
  for (uv_timer_t* t : {&expiry, &geoip_check, &secondary_check})
    uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);  // their close callbacks: the handles live in this frame
  // Admin requests still waiting get their answer (or a 503) before civetweb is stopped; nothing posted
  // after this runs.
  loop_.close();
  admin_.reset();
  if (fleet_) fleet_->stop();  // after the admin port: no write is left using it
  prober_->stop();
  udp.stop();
  tcp.stop();
  if (dnstap)
    log::info("dnstap: " + std::to_string(dnstap->sent()) + " frames queued, " +
              std::to_string(dnstap->dropped()) + " dropped");
  log::info("stopped");
  return 0;
}

}  // namespace sgdns::app
