// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes as a reply from etcd's v3 gateway (range, watch line, txn, lease, token), as a
// value stored under the fleet's prefix (override, health report, heartbeat), and as a whole watch update
// through FleetView, then the /v1/fleet report and its `sgdns ctl fleet` table over what it kept. Refusals
// are expected (EtcdReplyError, std::runtime_error); any other exception, a crash, a leak or undefined
// behaviour is a bug.
#include <cstdint>
#include <string>

#include "etcd_json.h"
#include "fleet_keys.h"
#include "fleet_status.h"
#include "fleet_view.h"

using namespace sgdns::app;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto refused = [](auto&& fn) {
    try {
      fn();
    } catch (const std::runtime_error&) {  // EtcdReplyError derives from it
    }
  };
  refused([&] { (void)etcd::parse_range(text); });
  refused([&] { (void)etcd::parse_txn(text); });
  refused([&] { (void)etcd::parse_lease(text); });
  refused([&] { (void)etcd::parse_token(text); });
  refused([&] { (void)etcd::unbase64(text); });
  refused([&] { (void)fleet::parse_override_value(text); });
  refused([&] { (void)fleet::parse_health_value(text); });
  refused([&] { (void)fleet::parse_instance_value(text); });
  refused([&] {
    // The watch line's events applied as the control thread would, each value under every kind of key.
    const etcd::WatchReply w = etcd::parse_watch(text);
    fleet::FleetView view("/p");
    fleet::Update u;
    u.revision = w.revision;
    u.events = w.events;
    for (const char* kind : {"overrides/a/b", "instances/a", "health/a", "audit/1-a"})
      u.events.push_back({false, {std::string("/p/") + kind, text, 1, 0}});
    (void)view.apply(u);
    (void)view.overrides();
    const auto report = fleet::fleet_report(view.instances(), "a", true, view.revision(), 0, 3);
    (void)fleet::fleet_table(report);
  });
  return 0;
}
