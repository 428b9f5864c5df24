// SPDX-License-Identifier: MIT
// Admin requests run on the control thread against Control's pieces (admin_gate.h).
#include "admin_gate.h"

#include <chrono>

#include "admin_views.h"
#include "control.h"

namespace sgdns::app {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

admin::Response result_view(const Overrides::Result& r, const nlohmann::json& done) {
  if (r.status != 200) return admin::error(r.status, r.error);
  return {200, admin::json_text(done, 2) + "\n"};
}

}  // namespace

template <class F>
admin::Response AdminGate::on_control(F&& fn) {
  std::optional<admin::Response> r = control_.loop().call(std::forward<F>(fn));
  return r ? std::move(*r) : admin::error(503, "stopping: the control loop takes no more requests");
}

admin::Response AdminGate::status() {
  return on_control([&] {
    return status_view(*control_.store().snapshot(), control_.status_facts(), control_.overrides().all());
  });
}

admin::Response AdminGate::status_page() {
  return on_control([&] {
    const engine::World& world = *control_.store().snapshot();
    return status_page_view(status_json(world, control_.status_facts(), control_.overrides().all()),
                            control_.history(), control_.metrics().answers_by_region(), world, now_seconds());
  });
}

admin::Response AdminGate::set_override(const std::string& pool, const std::string& member,
                                        const nlohmann::json& body, const std::string& requester) {
  Override o;
  if (auto bad = read_override(pool, member, body, now_seconds(), o)) return *bad;
  if (fleet::FleetClient* fleet = control_.fleet()) {
    // etcd first (on this civetweb thread: the control loop never waits for the network), then here at
    // once, so this instance's next answer has it; the watch brings the same change to every instance.
    const admin::Response checked = on_control([&] {
      const Overrides::Result r = control_.overrides().validate(o);
      return r.status == 200 ? admin::Response{} : admin::error(r.status, r.error);
    });
    if (checked.status != 200) return checked;
    const fleet::FleetClient::Written w = fleet->set_override(o, requester);
    if (w.status != 200) return admin::error(w.status, w.error);
  }
  return on_control([&] { return result_view(control_.overrides().set(o), override_json(o)); });
}

admin::Response AdminGate::clear_override(const std::string& pool, const std::string& member,
                                          const std::string& requester) {
  if (fleet::FleetClient* fleet = control_.fleet()) {
    const fleet::FleetClient::Written w = fleet->clear_override(pool, member, requester);
    if (w.status != 200) return admin::error(w.status, w.error);
    return on_control([&] {
      (void)control_.overrides().clear(pool, member);  // the watch may have cleared it already
      return admin::Response{200,
                             admin::json_text(nlohmann::json{{"cleared", pool + "/" + member}}, 2) + "\n"};
    });
  }
  return on_control([&] {
    return result_view(control_.overrides().clear(pool, member),
                       nlohmann::json{{"cleared", pool + "/" + member}});
  });
}

admin::Response AdminGate::explain(const std::map<std::string, std::string>& params) {
  return explain_view(*control_.store().snapshot(), params);
}

admin::Response AdminGate::reload() {
  return on_control([&] { return reload_view(control_.reload_from("POST /v1/reload", false), false); });
}

admin::Response AdminGate::dry_run_reload() {
  return on_control(
      [&] { return reload_view(control_.reload_from("POST /v1/reload?dry_run=1", true), true); });
}

admin::Response AdminGate::overrides() {
  return on_control([&] { return overrides_view(control_.overrides()); });
}

admin::Response AdminGate::fleet() {
  if (!control_.fleet()) return admin::error(404, "no fleet: this instance has no \"fleet\" configuration");
  return on_control([&] {
    return admin::Response{200, admin::json_text(control_.fleet_report(), 2) + "\n"};
  });
}

admin::Response AdminGate::ready() {
  return on_control(
      [&] { return ready_view(control_.status_facts().ready, control_.store().snapshot()->generation); });
}

admin::Response AdminGate::metrics() {
  return {200, control_.metrics().scrape(), "text/plain; version=0.0.4; charset=utf-8"};
}

}  // namespace sgdns::app
