// SPDX-License-Identifier: MIT
// AdminGate: civetweb's threads reach the control side only through the control thread. Requests from
// many threads at once all get their answer and leave consistent state (ThreadSanitizer runs this too),
// bad requests are refused before the door, a closed loop answers 503, and the reads that need no control
// state (explain, metrics) do not wait behind a busy control thread.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "admin_gate.h"
#include "app_world.h"
#include "control.h"
#include "sgdns/policy/policy.h"

using namespace sgdns;
using namespace sgdns::app;
using namespace sgdns::app::testing;

namespace {

/// A Control made on its own thread, which then runs the control loop (as Control::run does, without
/// the sockets) until stop(); the test's thread plays civetweb's.
class ControlThread {
 public:
  explicit ControlThread(const std::string& config_file) {
    std::promise<Control*> made;
    std::future<Control*> ready = made.get_future();
    thread_ = std::thread([&made, config_file] {
      Control control(from_command_line(config_file));
      made.set_value(&control);
      control.loop().run();
    });
    control_ = ready.get();
  }
  ~ControlThread() { stop(); }
  ControlThread(const ControlThread&) = delete;
  ControlThread& operator=(const ControlThread&) = delete;

  Control& control() { return *control_; }
  admin::Backend& gate() { return control_->admin(); }
  void stop() {
    if (!thread_.joinable()) return;
    Control* c = control_;
    c->loop().post([c] { c->loop().stop(); });
    thread_.join();
  }

 private:
  Control* control_ = nullptr;
  std::thread thread_;
};

/// Holds the control thread inside one task until release(), as a long reload would. The task shares its
/// state: it may still be waking up on the mutex after this object is gone.
class BusyControlThread {
 public:
  explicit BusyControlThread(ControlLoop& loop) : state_(std::make_shared<State>()) {
    loop.post([state = state_] {
      std::unique_lock<std::mutex> lock(state->mu);
      state->entered = true;
      state->cv.notify_all();
      state->cv.wait(lock, [&] { return state->released; });
    });
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->cv.wait(lock, [this] { return state_->entered; });
  }
  ~BusyControlThread() { release(); }
  void release() {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->released = true;
    state_->cv.notify_all();
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false, released = false;
  };
  std::shared_ptr<State> state_;
};

nlohmann::json body_of(const admin::Response& r) {
  return nlohmann::json::parse(r.body);
}

health::HealthTable::Forced forced(Control& c, const std::string& pool, const std::string& member) {
  const auto world = c.store().snapshot();
  const std::int64_t id = world->policy->health_id(pool, member);
  REQUIRE(id >= 0);
  return world->health->forced(static_cast<std::uint32_t>(id));
}

}  // namespace

TEST_CASE("AdminGate answers overrides from many threads at once and leaves one consistent state",
          "[app][admin_gate]") {
  ScratchFolder folder;
  ControlThread server(write_config(folder));
  admin::Backend& gate = server.gate();
  const std::vector<std::pair<std::string, std::string>> members = {{"primary", "192.0.2.100"},
                                                                    {"primary", "192.0.2.101"},
                                                                    {"standby", "198.51.100.100"},
                                                                    {"standby", "192.0.2.100"}};
  constexpr int kRounds = 25;
  std::vector<std::future<int>> callers;
  for (const auto& [pool, member] : members) {
    callers.push_back(std::async(std::launch::async, [&gate, pool = pool, member = member] {
      int answered = 0;
      for (int i = 0; i < kRounds; ++i) {
        answered +=
            gate.set_override(pool, member, {{"state", "down"}, {"reason", "drill"}}, "127.0.0.1:1").status ==
            200;
        answered += gate.clear_override(pool, member, "127.0.0.1:1").status == 200;
      }
      return answered;
    }));
  }
  for (auto& c : callers) CHECK(c.get() == 2 * kRounds);
  CHECK(body_of(gate.overrides()).at("overrides").empty());
  CHECK(forced(server.control(), "primary", "192.0.2.100") == health::HealthTable::Forced::None);

  // The last write is what the served World and every view show.
  REQUIRE(gate.set_override("standby", "198.51.100.100", {{"state", "down"}}, "127.0.0.1:1").status == 200);
  CHECK(forced(server.control(), "standby", "198.51.100.100") == health::HealthTable::Forced::Down);
  const nlohmann::json listed = body_of(gate.overrides()).at("overrides");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("pool") == "standby");
  CHECK(listed[0].at("member") == "198.51.100.100");
  CHECK(gate.status().body.find("198.51.100.100") != std::string::npos);
  CHECK(gate.clear_override("nope", "192.0.2.100", "127.0.0.1:1").status == 404);
}

TEST_CASE("AdminGate reloads on the control thread: a dry run changes nothing, a reload installs",
          "[app][admin_gate]") {
  ScratchFolder folder;
  ControlThread server(write_config(folder));
  const std::uint64_t before = server.control().store().snapshot()->generation;
  const admin::Response dry = server.gate().dry_run_reload();
  REQUIRE(dry.status == 200);
  CHECK(body_of(dry).at("dry_run") == true);
  CHECK(server.control().store().snapshot()->generation == before);
  const admin::Response done = server.gate().reload();
  REQUIRE(done.status == 200);
  CHECK(server.control().store().snapshot()->generation > before);

  folder.write("sgdns.json", "{ broken");
  const admin::Response refused = server.gate().reload();
  CHECK(refused.status == 422);
  CHECK(server.control().store().snapshot()->generation == body_of(done).at("generation"));
}

TEST_CASE("AdminGate checks a request before the door and answers 503 once the loop is closed",
          "[app][admin_gate]") {
  ScratchFolder folder;
  // Made on this thread and never run: closing its loop is what the server does while stopping.
  Control control(from_command_line(write_config(folder)));
  control.loop().close();
  admin::Backend& gate = control.admin();
  auto from_other_thread = [](auto fn) { return std::async(std::launch::async, fn).get(); };

  const admin::Response bad = from_other_thread([&] {
    return gate.set_override("primary", "192.0.2.100", {{"state", "sideways"}}, "127.0.0.1:1");
  });
  CHECK(bad.status == 400);  // validated on the caller's thread: no control state needed
  for (const admin::Response& r :
       {from_other_thread([&] {
          return gate.set_override("primary", "192.0.2.100", {{"state", "down"}}, "127.0.0.1:1");
        }),
        from_other_thread([&] { return gate.clear_override("primary", "192.0.2.100", "127.0.0.1:1"); }),
        from_other_thread([&] { return gate.status(); }), from_other_thread([&] { return gate.reload(); }),
        from_other_thread([&] { return gate.ready(); })}) {
    CHECK(r.status == 503);
    CHECK(body_of(r).at("error").get<std::string>().starts_with("stopping"));
  }
  CHECK(control.overrides().all().empty());
}

TEST_CASE("AdminGate serves explain and metrics while the control thread is busy", "[app][admin_gate]") {
  ScratchFolder folder;
  ControlThread server(write_config(folder));
  admin::Backend& gate = server.gate();
  std::future<admin::Response> status;
  {
    BusyControlThread busy(server.control().loop());
    status = std::async(std::launch::async, [&gate] { return gate.status(); });

    const admin::Response explained =
        gate.explain({{"name", "origin.geo.example.test."}, {"type", "A"}, {"client", "127.0.0.1"}});
    CHECK(explained.status == 200);
    CHECK(explained.body.find("192.0.2.100") != std::string::npos);
    const admin::Response scraped = gate.metrics();
    CHECK(scraped.status == 200);
    CHECK(scraped.body.find("sgdns_config_generation") != std::string::npos);
    // status needs the control thread, which is still held.
    CHECK(status.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  }
  CHECK(status.get().status == 200);
  // Not started by Control::run: not ready, which is not the same as stopping.
  const admin::Response ready = gate.ready();
  CHECK(ready.status == 503);
  CHECK(body_of(ready).at("error").get<std::string>().starts_with("not ready"));
}
