// SPDX-License-Identifier: MIT
// Secondaries: sgdns following a primary for the zones that name one (app-private; control thread, but
// for its fetch thread). It keeps each secondary zone's SOA timers (refresh, retry, expire, RFC 1035
// section 3.3.13), asks for a refresh at start, when they fire and on NOTIFY from the primary, runs the
// transfers and zone checks on its own thread (fetch_zone(), never a query thread), and hands each new
// version back to the control thread to be served. A zone past its SOA expire without a refresh is
// marked expired in the served World (answered SERVFAIL) until the primary is reached again.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "control_loop.h"
#include "secondary_fetch.h"
#include "sgdns/config/config.h"
#include "sgdns/engine/world.h"
#include "sgdns/metrics/metrics.h"

namespace sgdns::app {

class Secondaries {
 public:
  /// How the control side serves a new World made here from `before` (a new zone version, an expiry).
  using Install = std::function<void(std::shared_ptr<engine::World> next, const engine::World& before)>;
  using Serving = std::function<std::shared_ptr<const engine::World>()>;

  Secondaries(ControlLoop& loop, metrics::Metrics& metrics, Serving serving, Install install);
  ~Secondaries();  // stops the fetch thread (a transfer in progress ends at its next deadline)
  Secondaries(const Secondaries&) = delete;
  Secondaries& operator=(const Secondaries&) = delete;

  /// `world` (built from `config`) is about to be served, at start or after a reload: the secondary
  /// zones are taken from `config` (timers kept for zones that stay), and `world` gets the expired
  /// marks. `now` in seconds since the epoch.
  void configure(const config::Config& config, engine::World& world, double now);
  /// Every second: starts the refreshes that are due and expires zones past their SOA expire.
  void tick(double now);
  /// A query thread accepted a NOTIFY for `origin` (text) from its primary: refresh now.
  void notified(const std::string& origin, double now);

 private:
  struct State {
    std::size_t index = 0;                             // into config_.zones
    std::uint32_t refresh = 0, retry = 0, expire = 0;  // seconds, from our copy's SOA
    double next_check = 0;
    double expires_at = 0;  // 0: no copy served
    double failures = 0;    // consecutive, for the back-off before the first copy
    bool in_flight = false, again = false, expired = false;
  };

  void start_fetch(const std::string& origin, State& s);
  void finished(const std::string& origin, FetchOutcome outcome);
  void timers_from(State& s, const zone::Zone& z, double now);
  void set_expired(const std::string& origin, State& s, bool expired);
  void run();  // the fetch thread

  ControlLoop& loop_;
  metrics::Metrics& metrics_;
  Serving serving_;
  Install install_;
  config::Config config_;
  std::map<std::string, State> zones_;  // by origin text

  std::mutex mu_;  // guards jobs_ and stopping_: the fetch thread's inbox
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::atomic<bool> stop_transfer_{false};  // stopping_ for the transfer in progress, which holds no lock
  std::thread thread_;
};

}  // namespace sgdns::app
