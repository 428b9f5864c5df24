// SPDX-License-Identifier: MIT
// Admin requests handed to the control thread (admin_gate.h).
#include "admin_gate.h"

#include "admin_views.h"

namespace sgdns::app {

template <class F>
admin::Response AdminGate::on_control(F&& fn) {
  std::optional<admin::Response> r = loop_.call(std::forward<F>(fn));
  return r ? std::move(*r) : admin::error(503, "stopping: the control loop takes no more requests");
}

admin::Response AdminGate::status() {
  return on_control([&] { return control_.status(); });
}

admin::Response AdminGate::set_override(const std::string& pool, const std::string& member,
                                        const nlohmann::json& body) {
  return on_control([&] { return control_.set_override(pool, member, body); });
}

admin::Response AdminGate::clear_override(const std::string& pool, const std::string& member) {
  return on_control([&] { return control_.clear_override(pool, member); });
}

admin::Response AdminGate::explain(const std::map<std::string, std::string>& params) {
  return explain_view(*store_.snapshot(), params);
}

admin::Response AdminGate::reload() {
  return on_control([&] { return control_.reload(); });
}

admin::Response AdminGate::dry_run_reload() {
  return on_control([&] { return control_.dry_run_reload(); });
}

admin::Response AdminGate::overrides() {
  return on_control([&] { return control_.overrides(); });
}

admin::Response AdminGate::ready() {
  return on_control([&] { return control_.ready(); });
}

admin::Response AdminGate::metrics() {
  return {200, metrics_.scrape(), "text/plain; version=0.0.4; charset=utf-8"};
}

}  // namespace sgdns::app
