// SPDX-License-Identifier: MIT
// WorldStore on liburcu's QSBR flavour: readers pay nothing per query, the writer waits for a grace period.
#include "sgdns/net/world_store.h"

#include <urcu/urcu-qsbr.h>

#include <utility>

#include "sgdns/dns/name.h"

// ThreadSanitizer cannot see liburcu's grace periods (the library is not instrumented), so it would
// report every World freed after synchronize_rcu() as racing with the readers that used it before
// their quiescent point. These annotations state what liburcu guarantees, and nothing more: whatever a
// reader did before a quiescent point (or going offline, or unregistering) happens before the writer
// returns from synchronize_rcu(). Without TSan they compile to nothing.
#if defined(__SANITIZE_THREAD__)
#define SGDNS_TSAN_ANNOTATIONS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SGDNS_TSAN_ANNOTATIONS 1
#endif
#endif
#ifdef SGDNS_TSAN_ANNOTATIONS
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace sgdns::net {
namespace {

[[maybe_unused]] char
    g_grace_period;  // only its address is used, as ThreadSanitizer's synchronisation object

void passed_quiescent_point() noexcept {
#ifdef SGDNS_TSAN_ANNOTATIONS
  __tsan_release(&g_grace_period);
#endif
}

void grace_period_ended() noexcept {
#ifdef SGDNS_TSAN_ANNOTATIONS
  __tsan_acquire(&g_grace_period);
#endif
}

}  // namespace

WorldStore::WorldStore(std::shared_ptr<const engine::World> initial)
    : current_(initial.get()), owner_(std::move(initial)) {}

WorldStore::~WorldStore() = default;

void WorldStore::publish(std::shared_ptr<const engine::World> next) {
  current_.store(next.get(), std::memory_order_release);
  urcu_qsbr_synchronize_rcu();
  grace_period_ended();
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
  passed_quiescent_point();
  urcu_qsbr_unregister_thread();
}
void WorldStore::quiescent() noexcept {
  passed_quiescent_point();
  urcu_qsbr_quiescent_state();
}
void WorldStore::offline() noexcept {
  passed_quiescent_point();
  urcu_qsbr_thread_offline();
}
void WorldStore::online() noexcept {
  urcu_qsbr_thread_online();
}

void WorldStore::notified(const std::uint8_t* origin) const {
  if (notify_) notify_(dns::name_to_text(origin));
}

}  // namespace sgdns::net
