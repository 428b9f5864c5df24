// SPDX-License-Identifier: MIT
// ControlLoop: work posted from other threads runs on the control thread, in order; call() answers;
// once closed, nothing more runs and no caller is left waiting.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "control_loop.h"

using namespace sgdns::app;

TEST_CASE("ControlLoop runs posted work on its own thread, in posting order", "[app][control_loop]") {
  ControlLoop loop;
  const auto control_thread = std::this_thread::get_id();
  std::vector<int> order;               // written on the control thread only
  std::vector<std::thread::id> ran_on;  // likewise
  std::thread poster([&] {
    CHECK_FALSE(loop.on_control_thread());
    for (int i = 0; i < 100; ++i)
      REQUIRE(loop.post([&, i] {
        order.push_back(i);
        ran_on.push_back(std::this_thread::get_id());
      }));
    REQUIRE(loop.post([&] { loop.stop(); }));
  });
  loop.run();  // returns when the poster's last task has run
  poster.join();
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
  for (const auto& id : ran_on) CHECK(id == control_thread);
}

TEST_CASE("ControlLoop::call returns the control thread's answer and its exceptions", "[app][control_loop]") {
  ControlLoop loop;
  int state = 0;  // control-thread state
  std::optional<int> answer;
  bool threw = false;
  std::thread caller([&] {
    answer = loop.call([&] { return ++state; });
    try {
      (void)loop.call([]() -> int { throw std::runtime_error("refused"); });
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()) == "refused";
    }
    loop.post([&] { loop.stop(); });
  });
  loop.run();
  caller.join();
  CHECK(answer == 1);
  CHECK(state == 1);
  CHECK(threw);
  // On the control thread itself a call runs at once (nothing runs the loop now).
  CHECK(loop.call([&] { return state * 10; }) == 10);
}

TEST_CASE("ControlLoop::close runs what was posted and refuses the rest", "[app][control_loop]") {
  ControlLoop loop;
  int ran = 0;
  std::thread poster([&] { REQUIRE(loop.post([&] { ++ran; })); });
  poster.join();
  loop.close();  // the posted task had not run: no one ran the loop
  CHECK(ran == 1);
  std::optional<int> late = 7;
  bool posted = true;
  std::thread after([&] {
    posted = loop.post([&] { ++ran; });
    late = loop.call([] { return 1; });
  });
  after.join();
  CHECK_FALSE(posted);
  CHECK_FALSE(late.has_value());  // a caller after close gets no answer rather than waiting forever
  CHECK(ran == 1);
}
