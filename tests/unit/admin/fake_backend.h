// SPDX-License-Identifier: MIT
// A Backend for admin tests: records what it was asked, answers {} (or what a test makes it throw).
#pragma once
#include <stdexcept>
#include <string>

#include "sgdns/admin/router.h"

namespace sgdns::test {

class FakeBackend : public admin::Backend {
 public:
  std::string last;
  std::string last_requester;
  bool throw_next = false;

  admin::Response status() override { return ok("status"); }
  admin::Response status_page() override {
    last = "status page";
    return {200, "<!DOCTYPE html>", "text/html; charset=utf-8"};
  }
  admin::Response set_override(const std::string& pool, const std::string& member, const nlohmann::json& body,
                               const std::string& requester) override {
    if (pool != "edge" && pool != "edge/eu") return admin::error(404, "no pool");
    last_requester = requester;
    return ok("set " + pool + "/" + member + " " + admin::json_text(body));
  }
  admin::Response clear_override(const std::string& pool, const std::string& member,
                                 const std::string& requester) override {
    last_requester = requester;
    return ok("clear " + pool + "/" + member);
  }
  admin::Response fleet() override { return ok("fleet"); }
  admin::Response explain(const std::map<std::string, std::string>& params) override {
    // A backend bug: .at() throws std::out_of_range for a missing parameter.
    return ok("explain " + params.at("name") + " " + params.at("ecs"));
  }
  admin::Response reload() override { return ok("reload"); }
  admin::Response dry_run_reload() override { return ok("dry run"); }
  admin::Response overrides() override { return ok("overrides"); }
  admin::Response ready() override { return ok("ready"); }
  admin::Response metrics() override {
    if (throw_next) throw std::logic_error("metrics exploded \xff");
    return {200, "sgdns_x 1\n", "text/plain"};
  }

 private:
  admin::Response ok(std::string what) {
    last = std::move(what);
    return {200, "{}"};
  }
};

}  // namespace sgdns::test
