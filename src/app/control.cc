// SPDX-License-Identifier: MIT
// The control loop: reloads, health results into the table, operator overrides, the admin API.
#include "control.h"

#include <cmath>
#include <set>
#include <thread>

#include "descriptor_limit.h"
#include "privileges.h"
#include "reload_report.h"
#include "sgdns/app/build_info.h"
#include "sgdns/app/explain.h"
#include "sgdns/config/duration.h"
#include "sgdns/dns/cookie.h"
#include "sgdns/dns/name.h"
#include "sgdns/net/tcp_server.h"
#include "sgdns/net/udp_server.h"
#include "sgdns/util/log.h"
#include "sgdns/util/text.h"
#include "sgdns/world/build.h"
#include "token_file.h"
#include "world_report.h"

namespace sgdns::app {
namespace {

using nlohmann::json;

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

/// 0 means "no time at all" for every duration, never "forever": an override that never expires simply has no
/// expiry.
constexpr const char* kExpiresZero =
    "must be more than 0 (leave it out for an override that stays until cleared)";

std::vector<health::Endpoint> endpoints_of(const policy::Policy* p) {
  return p ? p->endpoints : std::vector<health::Endpoint>{};
}

json override_json(const Override& o) {
  return {{"pool", o.pool},
          {"member", o.member},
          {"state", o.up ? "up" : "down"},
          {"reason", o.reason},
          {"set_at", o.set_at},
          {"expires", o.expires > 0 ? json(o.expires) : json(nullptr)}};
}

int worker_count(const config::Config& c) {
  if (c.threads > 0) return c.threads;
  unsigned cores = std::thread::hardware_concurrency();
  return cores ? static_cast<int>(cores) : 1;
}

}  // namespace

Control::Control(config::Config config)
    : config_(std::move(config)),
      start_settings_(start_settings(config_)),
      overrides_store_(config_.admin.state_file),
      started_(now_seconds()) {
  log::set_level(config_.log_level);
  // Without a shared secret file each start makes its own; reloads keep it, so cookies stay good.
  if (config_.cookie_secret_file.empty()) config_.options.cookies.secret = dns::random_cookie_secret();
  const BuildInfo& build = build_info();
  metrics_.build_info
      .Add({{"version", build.version}, {"commit", build.commit}, {"build_type", build.build_type}})
      .Set(1);
  tokens_.write = read_token("admin.token_file", config_.admin.token_file);
  tokens_.read = read_token("admin.read_token_file", config_.admin.read_token_file);
  double now = now_seconds();
  OverridesStore::Loaded loaded = overrides_store_.load();
  if (!loaded.problem.empty()) {
    // The state DNS does not need must never stop DNS: keep the file for the operator, start without it.
    metrics_.state_file_quarantined.Increment();
    log::error("admin.state_file " + overrides_store_.path() + ": " + text::escape(loaded.problem) +
               (loaded.moved_to.empty() ? "" : "; moved aside to " + loaded.moved_to) +
               "; starting with no overrides");
  }
  for (auto& [key, o] : loaded.overrides) {
    if (o.expires == 0 || o.expires > now) overrides_[key] = o;
  }
  if (!overrides_.empty())
    log::info("restored " + std::to_string(overrides_.size()) + " override(s) from " +
              overrides_store_.path());
  auto world = sgdns::world::build_world(config_, generation_);
  store_ = std::make_unique<net::WorldStore>(world);
  prober_ =
      std::make_unique<health::Prober>([this](const health::Endpoint& e, bool up, bool change,
                                              const health::ProbeResult& r) { on_probe(e, up, change, r); });
  std::lock_guard lock(reload_mu_);
  install(world);
  log::info("loaded " + describe(*world));
  log_geoip(*world);
}

Control::~Control() = default;

void Control::install(std::shared_ptr<engine::World> world) {
  {
    std::lock_guard lock(health_mu_);
    health::EndpointSet endpoints(endpoints_of(world->policy.get()));
    if (world->health) health::carry_over(endpoints_, health_.get(), endpoints, *world->health);
    endpoints_ = std::move(endpoints);
    health_ = world->health;
    policy_ = world->policy;
    apply_overrides_locked(*world);
  }
  if (store_->current() != world.get()) store_->publish(world);
  prober_->set_endpoints(endpoints_of(world->policy.get()));
  update_world_metrics(*world);
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
    for (const policy::ProbeTarget& t : world.policy->targets) {
      const health::CheckSpec& check = world.policy->checks[static_cast<std::size_t>(t.check)];
      intervals.emplace_back(t.name, static_cast<double>(check.interval_ms) / 1000);
      timeouts.emplace_back(t.name, static_cast<double>(check.timeout_ms) / 1000);
    }
  }
  metrics_.set_config_figures(world.config_sha256, budget, worst_case, intervals, timeouts);
}

void Control::on_probe(const health::Endpoint& endpoint, bool up, bool change,
                       const health::ProbeResult& result) {
  {
    std::lock_guard lock(health_mu_);
    const auto same = endpoints_.with_key(endpoint.key());
    if (same.empty() || !health_) return;  // an endpoint a reload just removed
    for (const health::Endpoint* e : same) health_->set_probed(e->id, e->check, up);
  }
  metrics_.endpoint_up.Add({{"endpoint", endpoint.name}}).Set(up ? 1 : 0);
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                                   0.25,  0.5,   1,    2.5};
  metrics_.probe_duration.Add({{"endpoint", endpoint.name}}, kBuckets).Observe(result.seconds);
  if (!result.ok)
    metrics_.probe_failures
        .Add({{"endpoint", endpoint.name}, {"reason", health::failure_name(result.failure)}})
        .Increment();
  if (change) history_.add_flip({now_seconds(), endpoint.name, up});
  if (change)
    metrics_.health_flips.Add({{"endpoint", endpoint.name}, {"to", up ? "up" : "down"}}).Increment();
}

void Control::apply_overrides_locked(engine::World& world) {
  for (const auto& [key, o] : overrides_) {
    std::int64_t id = world.policy ? world.policy->health_id(o.pool, o.member) : -1;
    if (id < 0) {
      log::warn("override " + key + " names no configured member; kept until cleared");
      continue;
    }
    world.health->set_forced(static_cast<std::uint32_t>(id),
                             o.up ? health::HealthTable::Forced::Up : health::HealthTable::Forced::Down);
  }
}

void Control::persist_overrides_locked() {
  overrides_store_.save(overrides_);
}

admin::Response Control::set_override(const std::string& pool, const std::string& member, const json& body) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "state" && it.key() != "reason" && it.key() != "expires")
      return admin::error(400, it.key() + ": unknown key (expected state, reason, expires)");
  }
  if (!body.contains("state") || !body["state"].is_string() ||
      (body["state"] != "up" && body["state"] != "down"))
    return admin::error(400, "state: expected \"up\" or \"down\"");
  if (body.contains("reason") &&
      (!body["reason"].is_string() || body["reason"].get<std::string>().size() > 1024))
    return admin::error(400, "reason: expected a string of at most 1024 bytes");
  long expires_ms = 0;  // at most 366 days (the duration parser's bound): finite for the state file
  if (body.contains("expires")) {
    try {
      expires_ms = config::duration_ms_from_json(body["expires"]);
    } catch (const std::invalid_argument& e) {
      return admin::error(400, std::string("expires: ") + e.what());
    }
    if (expires_ms == 0) return admin::error(400, std::string("expires: ") + kExpiresZero);
  }
  Override o{pool, member, body["state"] == "up", body.value("reason", ""), now_seconds(), 0};
  if (body.contains("expires")) o.expires = o.set_at + static_cast<double>(expires_ms) / 1000;
  {
    std::lock_guard lock(health_mu_);
    if (!policy_ || policy_->pool_index(pool) < 0) return admin::error(404, "no pool \"" + pool + "\"");
    std::int64_t id = policy_->health_id(pool, member);
    if (id < 0) return admin::error(404, "no member \"" + member + "\" in pool \"" + pool + "\"");
    auto previous = overrides_;
    overrides_[o.key()] = o;
    try {
      persist_overrides_locked();
    } catch (const std::exception& e) {
      overrides_ = std::move(previous);
      return admin::error(500, std::string("override not applied: cannot persist it: ") + e.what());
    }
    // Applied before the reply: the next query after this returns sees it.
    health_->set_forced(static_cast<std::uint32_t>(id),
                        o.up ? health::HealthTable::Forced::Up : health::HealthTable::Forced::Down);
  }
  metrics_.override_changes.Add({{"action", "set"}}).Increment();
  log::info("override: " + o.key() + " forced " + (o.up ? "up" : "down") +
            " (reason: " + (o.reason.empty() ? "none given" : "\"" + text::escape(o.reason) + "\"") + ")");
  return {200, admin::json_text(override_json(o), 2) + "\n"};
}

admin::Response Control::clear_override(const std::string& pool, const std::string& member) {
  std::string key = pool + "/" + member;
  {
    std::lock_guard lock(health_mu_);
    auto it = overrides_.find(key);
    if (it == overrides_.end() && (!policy_ || policy_->pool_index(pool) < 0))
      return admin::error(404, "no pool \"" + pool + "\"");
    if (it == overrides_.end()) return admin::error(404, "no override for " + key);
    Override removed = it->second;
    overrides_.erase(it);
    try {
      persist_overrides_locked();
    } catch (const std::exception& e) {
      overrides_[key] = removed;
      return admin::error(500, std::string("override kept: cannot persist the change: ") + e.what());
    }
    std::int64_t id = policy_ ? policy_->health_id(pool, member) : -1;
    if (id >= 0) health_->set_forced(static_cast<std::uint32_t>(id), health::HealthTable::Forced::None);
  }
  metrics_.override_changes.Add({{"action", "clear"}}).Increment();
  log::info("override: " + key + " cleared");
  return {200, admin::json_text(json{{"cleared", key}}) + "\n"};
}

void Control::expire_overrides() {
  double now = now_seconds();
  std::lock_guard lock(health_mu_);
  bool changed = false;
  for (auto it = overrides_.begin(); it != overrides_.end();) {
    if (it->second.expires > 0 && it->second.expires <= now) {
      std::int64_t id = policy_ ? policy_->health_id(it->second.pool, it->second.member) : -1;
      if (id >= 0) health_->set_forced(static_cast<std::uint32_t>(id), health::HealthTable::Forced::None);
      log::info("override: " + it->first + " expired");
      it = overrides_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (changed) {
    try {
      persist_overrides_locked();
    } catch (const std::exception& e) {
      log::error(std::string("overrides: ") + e.what());
    }
  }
}

admin::Response Control::status() {
  return {200, admin::json_text(status_json(), 2) + "\n"};
}

json Control::status_json() {
  auto world = store_->snapshot();
  json out;
  const BuildInfo& build = build_info();
  out["version"] = {{"version", build.version}, {"commit", build.commit}, {"build_type", build.build_type}};
  out["generation"] = world->generation;
  out["started"] = started_;
  out["ready"] = ready_.load();
  out["config"] = {{"path", world->config_file.empty() ? json(nullptr) : json(world->config_file)},
                   {"sha256", world->config_sha256.empty() ? json(nullptr) : json(world->config_sha256)}};
  out["zones"] = zones_json(*world);
  out["geoip"] = geoip_json(*world);
  std::map<std::string, Override> overrides;
  {
    std::lock_guard lock(health_mu_);
    overrides = overrides_;
  }
  out["endpoints"] = json::array();
  for (const health::EndpointStatus& e : prober_->status()) {
    json j = {{"name", e.name},
              {"address", e.address},
              {"state", e.up ? "up" : "down"},
              {"since", e.since},
              {"last_check", e.last_check > 0 ? json(e.last_check) : json(nullptr)},
              {"probes", e.probes},
              {"failures", e.failures}};
    if (e.last_check > 0)
      j["last_result"] = {{"ok", e.last_result.ok},
                          {"failure", health::failure_name(e.last_result.failure)},
                          {"detail", e.last_result.detail},
                          {"seconds", e.last_result.seconds},
                          {"http_status", e.last_result.http_status}};
    auto it = overrides.find(e.name);
    j["override"] = it == overrides.end() ? json(nullptr) : override_json(it->second);
    out["endpoints"].push_back(j);
  }
  out["overrides"] = json::array();
  std::map<std::string, json> by_key;
  for (const auto& [key, o] : overrides) {
    out["overrides"].push_back(override_json(o));
    by_key[key] = override_json(o);
  }
  out["pools"] = pools_json(*world, by_key);
  out["records"] = records_json(*world);
  if (world->policy)
    out["failover_budget_seconds"] = static_cast<double>(world->policy->failover_budget_ms) / 1000;
  return out;
}

admin::Response Control::explain(const std::map<std::string, std::string>& params) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it == params.end() ? nullptr : &it->second;
  };
  if (!get("name")) return admin::error(400, "name: required");
  ExplainRequest req;
  req.name = *get("name");
  if (get("type")) req.type = *get("type");
  req.client = get("client") ? *get("client") : "127.0.0.1";
  if (get("ecs")) req.ecs = *get("ecs");
  try {
    return {200, app::explain(*store_->snapshot(), req) + "\n"};
  } catch (const std::invalid_argument& e) {
    return admin::error(400, e.what());
  }
}

Control::ReloadOutcome Control::do_reload(const std::string& trigger, bool dry_run) {
  std::lock_guard lock(reload_mu_);
  const std::string what = dry_run ? "reload (dry run)" : "reload";
  log::info(what + ": started by " + trigger);
  try {
    config::Config next = config::reload_config(config_);
    if (next.cookie_secret_file.empty()) next.options.cookies.secret = config_.options.cookies.secret;
    auto world = sgdns::world::build_world(next, generation_ + 1);
    auto before = store_->snapshot();
    json changes = reload_changes(*before, *world);
    std::vector<std::string> warnings = reload_warnings(start_settings_, next, *before, *world);
    for (const auto& w : warnings) log::warn(what + ": " + w);
    if (dry_run) {
      log::info(what + ": done, nothing changed; a reload would serve " + describe(*world));
      return {true, "dry run: nothing was changed", changes, generation_, warnings};
    }
    log::set_level(next.log_level);
    config_ = std::move(next);
    ++generation_;
    install(world);
    metrics_.reloads.Add({{"outcome", "ok"}}).Increment();
    metrics_.config_last_reload_successful.Set(1);
    log::info("reload: done, generation " + std::to_string(generation_) + ": " + describe(*world));
    history_.add_reload({now_seconds(), trigger, true, generation_, "reloaded: " + describe(*world)});
    log_geoip(*world);
    return {true, "reloaded", changes, generation_, warnings};
  } catch (const std::exception& e) {
    std::string message = dry_run ? "reload (dry run): would be refused: " + std::string(e.what())
                                  : std::string("reload refused, still serving generation ") +
                                        std::to_string(generation_) + ": " + e.what();
    if (dry_run) {
      log::warn(message);
    } else {
      metrics_.reloads.Add({{"outcome", "refused"}}).Increment();
      metrics_.config_last_reload_successful.Set(0);
      log::error(message);
      history_.add_reload({now_seconds(), trigger, false, generation_, message});
    }
    return {false, message, json::array(), generation_, {}};
  }
}

admin::Response Control::reload() {
  return reload_response(do_reload("POST /v1/reload", false), false);
}

admin::Response Control::dry_run_reload() {
  return reload_response(do_reload("POST /v1/reload?dry_run=1", true), true);
}

admin::Response Control::reload_response(const ReloadOutcome& r, bool dry_run) {
  if (!r.ok) return admin::error(422, r.message);
  json body = {{"result", r.message},
               {"dry_run", dry_run},
               {"generation", r.generation},
               {"changes", r.changes},
               {"warnings", r.warnings}};
  return {200, admin::json_text(body, 2) + "\n"};
}

void Control::log_geoip(const engine::World& world) {
  for (const auto& db : geoip_json(world))
    log::info("geoip: read " + db["path"].get<std::string>() + ": " + db["type"].get<std::string>() +
              ", built " + db["build_date"].get<std::string>() + ", " +
              std::to_string(db["networks"].get<std::uint64_t>()) + " networks");
}

admin::Response Control::ready() {
  if (!ready_.load()) return admin::error(503, "not ready: starting or stopping");
  return {200,
          admin::json_text(json{{"ready", true}, {"generation", store_->snapshot()->generation}}) + "\n"};
}

admin::Response Control::overrides() {
  json list = json::array();
  {
    std::lock_guard lock(health_mu_);
    for (const auto& [key, o] : overrides_) {
      json j = override_json(o);
      // An override kept across a reload that removed its member applies to nothing until it comes back.
      j["applies"] = policy_ && policy_->health_id(o.pool, o.member) >= 0;
      list.push_back(j);
    }
  }
  return {200, admin::json_text(json{{"overrides", list}}, 2) + "\n"};
}

admin::Response Control::metrics() {
  return {200, metrics_.scrape(), "text/plain; version=0.0.4; charset=utf-8"};
}

int Control::run() {
  // The admin port can reload (which replaces config_) from the moment it listens: from here on this
  // thread reads its own copy.
  const config::Config config = [&] {
    std::lock_guard lock(reload_mu_);
    return config_;
  }();
  const std::optional<RunAs> run_as = plan_run_as(config);
  std::size_t probe_targets = 0;
  {
    std::lock_guard lock(health_mu_);
    probe_targets = policy_ ? policy_->endpoints.size() : 0;
  }
  check_descriptor_limit(descriptor_needs(config, worker_count(config), probe_targets),
                         raise_descriptor_limit());
  // Every socket is bound (port 53 needs root) before root is given up.
  net::UdpServer udp(config.listen, worker_count(config), *store_, &metrics_.counters());
  net::TcpServer tcp(config.listen, config.tcp, *store_, &metrics_.counters());
  if (config.admin.listen)
    admin_ = std::make_unique<admin::AdminServer>(
        admin::ListenOptions{*config.admin.listen, config.admin.tls_certificate, config.admin.tls_key},
        tokens_, *this);
  if (run_as) drop_privileges(*run_as);
  check_file_access(config);
  udp.start();
  tcp.start();
  prober_->start();
  for (const auto& a : config.listen) log::info("listening on " + a.text + " (udp, tcp)");
  if (config.admin.listen)
    log::info(std::string("admin API on ") + (config.admin.tls_certificate.empty() ? "http://" : "https://") +
              config.admin.listen->text);
  log::info("ready: " + std::to_string(worker_count(config)) + " udp workers per listen address");
  ready_ = true;

  uv_loop_t loop;
  uv_loop_init(&loop);
  loop.data = this;
  uv_signal_t hup, term, intr;
  uv_timer_t expiry;
  for (uv_signal_t* s : {&hup, &term, &intr}) uv_signal_init(&loop, s);
  uv_timer_init(&loop, &expiry);
  uv_signal_start(
      &hup, [](uv_signal_t* s, int) { static_cast<Control*>(s->loop->data)->do_reload("SIGHUP", false); },
      SIGHUP);
  auto stop = [](uv_signal_t* s, int signum) {
    static_cast<Control*>(s->loop->data)->ready_ = false;
    log::info(std::string("stopping on ") + (signum == SIGTERM ? "SIGTERM" : "SIGINT"));
    uv_stop(s->loop);
  };
  uv_signal_start(&term, stop, SIGTERM);
  uv_signal_start(&intr, stop, SIGINT);
  uv_timer_start(
      &expiry, [](uv_timer_t* t) { static_cast<Control*>(t->loop->data)->expire_overrides(); }, 1000, 1000);
  uv_run(&loop, UV_RUN_DEFAULT);

  for (uv_signal_t* s : {&hup, &term, &intr}) uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&expiry), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  admin_.reset();
  prober_->stop();
  udp.stop();
  tcp.stop();
  log::info("stopped");
  return 0;
}

}  // namespace sgdns::app
