// SPDX-License-Identifier: MIT
// The prober: one libuv loop thread that schedules every endpoint's probes, applies rise/fall and
// reports results; other threads only post endpoint sets and read status snapshots.
#include "sgdns/health/prober.h"

#include <uv.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "curl_multi.h"
#include "probe.h"
#include "sgdns/util/log.h"

namespace sgdns::health {
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// curl_global_init is not free and must happen once per process, before any other curl call.
void init_curl_once() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) throw std::runtime_error("curl_global_init failed");
}

}  // namespace

struct ProberLoop;

/// One endpoint on the loop thread: its state machine, its timers and its probes in flight.
struct Target final : ProbeSink {
  Target(ProberLoop* owner_, Endpoint endpoint, uv_loop_t* loop)
      : owner(owner_), ep(std::move(endpoint)), sm(ep.check.fall, ep.check.rise, ep.check.start_up) {
    uv_timer_init(loop, &next_probe);
    uv_timer_init(loop, &suspect);
    next_probe.data = this;
    suspect.data = this;
    status.id = ep.id;
    status.name = ep.name;
    status.address = ep.address;
    status.up = sm.up();
    status.since = unix_now();
  }

  void on_probe_result(Probe* probe, ProbeResult result) override;

  ProberLoop* owner;
  Endpoint ep;
  StateMachine sm;
  uv_timer_t next_probe{};        // the next scheduled probe
  uv_timer_t suspect{};           // half a timeout after the lone probe in flight started
  std::vector<Probe*> in_flight;  // at most 2
  EndpointStatus status;          // the loop thread's copy; published to the snapshot after each result
  std::size_t slot = 0;           // index in the snapshot
  int open_handles = 2;
};

/// Everything behind Prober: the shared hand-over state and the loop thread's world.
struct ProberLoop {
  explicit ProberLoop(Prober::Listener l) : listener(std::move(l)), rng(std::random_device{}()) {}

  Prober::Listener listener;  // set once, called on the loop thread only

  // --- shared with other threads: hand-over under `mu`, status under `status_mu`
  std::mutex mu;
  std::vector<Endpoint> pending;
  bool has_pending = false;
  bool started = false;
  bool stopping = false;
  mutable std::mutex status_mu;
  std::vector<EndpointStatus> snapshot;

  std::thread thread;  // started and joined by the API under `mu` / after it

  // --- loop thread only (after start())
  uv_loop_t loop{};
  uv_async_t wake{};
  std::unique_ptr<CurlMulti> curl;
  std::vector<Target*> targets;
  std::mt19937_64 rng;

  void run();
  void on_wake();
  void shutdown();
  void apply_endpoints(std::vector<Endpoint> endpoints);
  Target* make_target(Endpoint endpoint, const Target* carry_from);
  void close_target(Target* t);
  void publish_all();

  static void on_next_probe(uv_timer_t* h);
  static void on_suspect(uv_timer_t* h);
  void launch(Target& t);
  void record(Target& t, ProbeResult result);
  void notify(Target& t, bool change, const ProbeResult& result);
  void update_suspect(Target& t);
  long random_upto(long max_inclusive);
};

struct Prober::Impl : ProberLoop {
  using ProberLoop::ProberLoop;
};

// --- scheduling -------------------------------------------------------------------------------------

void Target::on_probe_result(Probe* probe, ProbeResult result) {
  in_flight.erase(std::remove(in_flight.begin(), in_flight.end(), probe), in_flight.end());
  owner->record(*this, std::move(result));
}

void ProberLoop::launch(Target& t) {
  uv_timer_stop(&t.next_probe);  // whatever was scheduled is this probe
  ProbeResult failed;
  Probe* p = t.ep.check.type == CheckType::Tcp ? start_tcp_probe(&loop, t.ep, &t, failed)
                                               : start_http_probe(&loop, *curl, t.ep, &t, failed);
  if (p == nullptr) {
    record(t, std::move(failed));
    return;
  }
  t.in_flight.push_back(p);
  update_suspect(t);
}

void ProberLoop::record(Target& t, ProbeResult result) {
  bool change = t.sm.apply(result.ok);
  double now = unix_now();
  t.status.up = t.sm.up();
  if (change) t.status.since = now;
  t.status.last_check = now;
  t.status.probes++;
  if (!result.ok) t.status.failures++;
  t.status.last_result = result;
  {
    std::lock_guard lock(status_mu);
    if (t.slot < snapshot.size()) snapshot[t.slot] = t.status;
  }
  if (change) {
    log::warn("health: " + t.ep.name + (t.sm.up() ? " up" : " down") +
              (result.ok ? std::string() : " (" + result.detail + ")"));
  }
  notify(t, change, result);

  // A failure that leaves the endpoint up is part of a fall streak: confirm it quickly, so `fall`
  // failures cost about fall * timeout rather than fall * interval. Everything else waits an interval.
  const CheckSpec& c = t.ep.check;
  long delay = !result.ok && t.sm.up() ? c.recheck_ms : c.interval_ms + random_upto(c.jitter_ms);
  uv_timer_start(&t.next_probe, &on_next_probe, static_cast<std::uint64_t>(std::max(0L, delay)), 0);
  update_suspect(t);
}

void ProberLoop::notify(Target& t, bool change, const ProbeResult& result) {
  if (!listener) return;
  try {
    listener(t.ep, t.sm.up(), change, result);
  } catch (const std::exception& e) {  // never unwind through libuv's C frames
    log::error(std::string("health: listener threw: ") + e.what());
  } catch (...) {
    log::error("health: listener threw");
  }
}

/// "Suspect": an up endpoint whose only probe has been silent for half its timeout gets a second probe
/// now, so a hung backend collects its `fall` timeouts in about one timeout instead of two intervals.
/// Useless while down (a hanging probe cannot bring an endpoint up), so only then.
void ProberLoop::update_suspect(Target& t) {
  if (t.in_flight.size() != 1 || !t.sm.up()) {
    uv_timer_stop(&t.suspect);
    return;
  }
  std::uint64_t due =
      t.in_flight.front()->started_ms() + static_cast<std::uint64_t>(effective_timeout_ms(t.ep.check) / 2);
  std::uint64_t now = uv_now(&loop);
  uv_timer_start(&t.suspect, &on_suspect, due > now ? due - now : 0, 0);
}

void ProberLoop::on_next_probe(uv_timer_t* h) {
  auto* t = static_cast<Target*>(h->data);
  t->owner->launch(*t);
}

void ProberLoop::on_suspect(uv_timer_t* h) {
  auto* t = static_cast<Target*>(h->data);
  if (t->in_flight.size() == 1 && t->sm.up()) t->owner->launch(*t);
}

long ProberLoop::random_upto(long max_inclusive) {
  if (max_inclusive <= 0) return 0;
  return std::uniform_int_distribution<long>(0, max_inclusive)(rng);
}

// --- endpoint sets --------------------------------------------------------------------------------

Target* ProberLoop::make_target(Endpoint endpoint, const Target* carry_from) {
  auto* t = new Target(this, std::move(endpoint), &loop);
  if (carry_from != nullptr) {  // a duplicate of an endpoint kept from the old set: same target, same state
    t->sm.restore(carry_from->sm.up(), carry_from->sm.streak());
    EndpointStatus s = carry_from->status;
    s.id = t->ep.id;
    s.name = t->ep.name;
    t->status = s;
  }
  // Spread start-up (and reloads) over one interval so thousands of probes do not fire together.
  long interval = std::max(1L, t->ep.check.interval_ms);
  uv_timer_start(&t->next_probe, &on_next_probe, static_cast<std::uint64_t>(random_upto(interval - 1)), 0);
  return t;
}

void ProberLoop::apply_endpoints(std::vector<Endpoint> endpoints) {
  std::unordered_multimap<std::string, Target*> old;
  for (Target* t : targets) old.emplace(t->ep.key(), t);
  std::unordered_map<std::string, Target*> kept;
  std::vector<Target*> next;
  next.reserve(endpoints.size());
  for (Endpoint& e : endpoints) {
    std::string key = e.key();
    if (auto it = old.find(key); it != old.end()) {
      // Same target and check: keep the object, its schedule and its probes in flight; take the new
      // id, name and settings, and keep the state and streak (clamped to the new fall/rise).
      Target* t = it->second;
      old.erase(it);
      bool up = t->sm.up();
      int streak = t->sm.streak();
      t->ep = std::move(e);
      t->sm = StateMachine(t->ep.check.fall, t->ep.check.rise, up);
      t->sm.restore(up, streak);
      t->status.id = t->ep.id;
      t->status.name = t->ep.name;
      kept.emplace(key, t);
      next.push_back(t);
      update_suspect(*t);
    } else {
      auto k = kept.find(key);
      next.push_back(make_target(std::move(e), k == kept.end() ? nullptr : k->second));
    }
  }
  for (auto& [key, t] : old) close_target(t);
  targets = std::move(next);
  publish_all();
}

void ProberLoop::close_target(Target* t) {
  for (Probe* p : t->in_flight) p->abandon();
  t->in_flight.clear();
  auto closed = [](uv_handle_t* h) {
    auto* tt = static_cast<Target*>(h->data);
    if (--tt->open_handles == 0) delete tt;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&t->next_probe), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&t->suspect), closed);
}

void ProberLoop::publish_all() {
  std::vector<EndpointStatus> all;
  all.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    targets[i]->slot = i;
    all.push_back(targets[i]->status);
  }
  std::lock_guard lock(status_mu);
  snapshot = std::move(all);
}

// --- loop life cycle -----------------------------------------------------------------------------

void ProberLoop::run() {
  uv_run(&loop, UV_RUN_DEFAULT);  // returns once shutdown() has closed every handle
  if (int rc = uv_loop_close(&loop); rc != 0)
    log::error(std::string("health: loop close: ") + uv_strerror(rc));
}

void ProberLoop::on_wake() {
  std::vector<Endpoint> next;
  bool apply = false, stop_now = false;
  {
    std::lock_guard lock(mu);
    apply = std::exchange(has_pending, false);
    next = std::move(pending);
    pending.clear();
    stop_now = stopping;
  }
  if (stop_now) {
    shutdown();
  } else if (apply) {
    apply_endpoints(std::move(next));
  }
}

void ProberLoop::shutdown() {
  for (Target* t : targets) close_target(t);  // abandons probes: curl transfers leave the multi handle
  targets.clear();
  curl->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
}

// --- public API ----------------------------------------------------------------------------------

Prober::Prober(Listener listener) : impl_(std::make_unique<Impl>(std::move(listener))) {}

Prober::~Prober() {
  stop();
}

void Prober::start() {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  if (m.started || m.stopping) return;
  init_curl_once();
  if (int rc = uv_loop_init(&m.loop); rc != 0)
    throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
  try {
    m.curl = std::make_unique<CurlMulti>(&m.loop, &finish_http_probe);  // throws before adding a handle
  } catch (...) {
    uv_loop_close(&m.loop);
    throw;
  }
  uv_async_init(&m.loop, &m.wake, [](uv_async_t* h) { static_cast<ProberLoop*>(h->data)->on_wake(); });
  m.wake.data = static_cast<ProberLoop*>(&m);
  m.started = true;
  uv_async_send(&m.wake);  // picks up endpoints set before start()
  m.thread = std::thread([&m] { m.run(); });
}

void Prober::set_endpoints(std::vector<Endpoint> endpoints) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  if (m.stopping) return;
  m.pending = std::move(endpoints);
  m.has_pending = true;
  if (m.started) uv_async_send(&m.wake);
}

std::vector<EndpointStatus> Prober::status() const {
  std::lock_guard lock(impl_->status_mu);
  return impl_->snapshot;
}

void Prober::stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    if (m.stopping && !m.thread.joinable()) return;
    m.stopping = true;
    if (m.started) uv_async_send(&m.wake);
  }
  if (m.thread.joinable()) m.thread.join();
}

}  // namespace sgdns::health
