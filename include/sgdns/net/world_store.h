// SPDX-License-Identifier: MIT
// WorldStore: publishes the current World to the query threads without locks or reference counts.
//
// Readers (UDP workers, the TCP thread) load a raw pointer and use it until their next quiescent point;
// the control thread swaps in a new World and frees the old one only after every reader has passed a
// quiescent point (liburcu QSBR, as gdnsd and Knot do). A reader that waits for packets is "offline",
// so idle threads never pin an old World.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "sgdns/engine/world.h"

namespace sgdns::net {

class WorldStore {
 public:
  explicit WorldStore(std::shared_ptr<const engine::World> initial);
  ~WorldStore();
  WorldStore(const WorldStore&) = delete;
  WorldStore& operator=(const WorldStore&) = delete;

  /// Current World; valid until the calling reader's next quiescent() or offline().
  [[nodiscard]] const engine::World* current() const noexcept {
    return current_.load(std::memory_order_acquire);
  }
  /// Control thread only: makes `next` current and returns once no reader can still see the old one.
  void publish(std::shared_ptr<const engine::World> next);
  /// The World being served, for status, explain and reload diffs; any thread (takes a lock: never
  /// call it on the query path).
  [[nodiscard]] std::shared_ptr<const engine::World> snapshot() const {
    std::lock_guard lock(owner_mu_);
    return owner_;
  }

  /// Where NOTIFYs accepted by the query threads go (the secondary side, given the zone's origin as
  /// text); set before the servers start. notified() may be called from any thread.
  void set_notify_handler(std::function<void(const std::string&)> handler) { notify_ = std::move(handler); }
  /// `origin`: lowercase wire name of the zone.
  void notified(const std::uint8_t* origin) const;

  /// Reader thread life cycle (each reader thread calls these; cheap, lock-free).
  static void register_reader() noexcept;
  static void unregister_reader() noexcept;
  static void quiescent() noexcept;
  static void offline() noexcept;
  static void online() noexcept;

 private:
  std::atomic<const engine::World*> current_;
  mutable std::mutex owner_mu_;
  std::shared_ptr<const engine::World> owner_;
  std::function<void(const std::string&)> notify_;
};

}  // namespace sgdns::net
