// SPDX-License-Identifier: MIT
// WorldStore on liburcu's QSBR flavour: readers pay nothing per query, the writer waits for a grace period.
#include "sgdns/net/world_store.h"

#include <urcu/urcu-qsbr.h>

#include <utility>

namespace sgdns::net {

WorldStore::WorldStore(std::shared_ptr<const engine::World> initial)
    : current_(initial.get()), owner_(std::move(initial)) {}

WorldStore::~WorldStore() = default;

void WorldStore::publish(std::shared_ptr<const engine::World> next) {
  current_.store(next.get(), std::memory_order_release);
  urcu_qsbr_synchronize_rcu();
  std::shared_ptr<const engine::World> old;
  {
    std::lock_guard lock(owner_mu_);
    old = std::exchange(owner_, std::move(next));
  }
  old.reset();  // freed here (unless a status request still holds it), after every reader moved on
}

void WorldStore::register_reader() noexcept {
  urcu_qsbr_register_thread();
}
void WorldStore::unregister_reader() noexcept {
  urcu_qsbr_unregister_thread();
}
void WorldStore::quiescent() noexcept {
  urcu_qsbr_quiescent_state();
}
void WorldStore::offline() noexcept {
  urcu_qsbr_thread_offline();
}
void WorldStore::online() noexcept {
  urcu_qsbr_thread_online();
}

}  // namespace sgdns::net
