// SPDX-License-Identifier: MIT
// Records every Prober listener call so tests can wait (bounded) for and inspect results and flips.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "sgdns/health/prober.h"

namespace sgdns::health_test {

struct Event {
  std::uint32_t id = 0;
  bool up = false;
  bool change = false;
  health::ProbeResult result;
  std::chrono::steady_clock::time_point at;
};

class Recorder {
 public:
  health::Prober::Listener listener() {
    return [this](const health::Endpoint& e, bool up, bool change, const health::ProbeResult& r) {
      std::lock_guard lock(mu_);
      events_.push_back(Event{e.id, up, change, r, std::chrono::steady_clock::now()});
      cv_.notify_all();
    };
  }

  /// Waits until `pred(events)` holds or `limit` passes; returns whether it held.
  bool wait(const std::function<bool(const std::vector<Event>&)>& pred,
            std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return pred(events_); });
  }

  /// Waits for `count` results of endpoint `id` (counting from the first ever).
  bool wait_results(std::uint32_t id, std::size_t count,
                    std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return wait([&](const std::vector<Event>& all) { return of(all, id).size() >= count; }, limit);
  }

  /// Waits for a flip of `id` to `up` among the events recorded after the first `after` ones of `id`.
  bool wait_flip(std::uint32_t id, bool up, std::size_t after = 0,
                 std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return wait(
        [&](const std::vector<Event>& all) {
          auto mine = of(all, id);
          for (std::size_t i = after; i < mine.size(); ++i) {
            if (mine[i].change && mine[i].up == up) return true;
          }
          return false;
        },
        limit);
  }

  std::vector<Event> events(std::uint32_t id) {
    std::lock_guard lock(mu_);
    return of(events_, id);
  }

  std::size_t count(std::uint32_t id) { return events(id).size(); }

  static std::vector<Event> of(const std::vector<Event>& all, std::uint32_t id) {
    std::vector<Event> out;
    for (const Event& e : all) {
      if (e.id == id) out.push_back(e);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

/// A quick check for tests: probes every ~100 ms, 300 ms timeout, fall and rise 2.
inline health::Endpoint fast_endpoint(std::uint32_t id, const std::string& address, std::uint16_t port,
                                      health::CheckType type = health::CheckType::Http) {
  health::Endpoint e;
  e.id = id;
  e.address = address;
  e.name = "test/" + std::to_string(id);
  e.check.type = type;
  e.check.port = port;
  e.check.interval_ms = 100;
  e.check.jitter_ms = 10;
  e.check.timeout_ms = 300;
  e.check.recheck_ms = 50;
  return e;
}

}  // namespace sgdns::health_test
