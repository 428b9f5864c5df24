// SPDX-License-Identifier: MIT
// ControlLoop: the one thread that changes the server's shared state (app-private). Reloads, health
// results, overrides and admin requests all run on it: other threads (civetweb's, the prober's) post work
// to it and, where they need an answer, wait for it. So nothing it runs needs a lock, and no piece of
// the control side is ever entered from two threads.
#pragma once
#include <uv.h>

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace sgdns::app {

class ControlLoop {
 public:
  /// The constructing thread is the control thread: run() must be called on it.
  ControlLoop();
  /// The libuv loop, for the control thread's own signals and timers.
  [[nodiscard]] uv_loop_t* uv() noexcept { return &loop_; }
  ~ControlLoop();
  ControlLoop(const ControlLoop&) = delete;  // libuv keeps the loop's and the handle's addresses
  ControlLoop& operator=(const ControlLoop&) = delete;
  [[nodiscard]] bool on_control_thread() const noexcept { return std::this_thread::get_id() == owner_; }

  /// Any thread: `task` runs on the control thread, in posting order. False (and the task is dropped)
  /// once the loop is closed.
  bool post(std::function<void()> task);

  /// Any thread: runs `fn` on the control thread and returns its result (an exception it throws is
  /// rethrown here). On the control thread itself it runs at once. nullopt once the loop is closed.
  template <class F>
  std::optional<std::invoke_result_t<F&>> call(F&& fn) {
    using R = std::invoke_result_t<F&>;
    if (on_control_thread()) return fn();
    // The outcome lives in this frame, and the control thread hands it over under the slot's lock and then
    // touches nothing of it: so the caller alone ends the life of the result and of an exception, and every
    // hand-over is a lock ThreadSanitizer sees (a promise frees its exception wherever its last owner
    // lets go, through reference counts inside libstdc++ that TSan cannot see).
    struct Slot {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      std::optional<R> value;
      std::exception_ptr error;
    } slot;
    if (!post([&slot, &fn] {
          std::optional<R> value;
          std::exception_ptr error;
          try {
            value.emplace(fn());
          } catch (...) {
            error = std::current_exception();
          }
          std::lock_guard lock(slot.mu);
          slot.value = std::move(value);
          slot.error = std::move(error);
          slot.done = true;
          slot.cv.notify_one();
        }))
      return std::nullopt;
    std::unique_lock lock(slot.mu);
    slot.cv.wait(lock, [&] { return slot.done; });
    if (slot.error) std::rethrow_exception(std::move(slot.error));
    return std::move(slot.value);
  }

  /// Control thread: runs posted work, signals and timers until stop().
  void run();
  /// Control thread: makes run() return once the current callback is done.
  void stop();
  /// Control thread: refuses further posts and runs what was already posted, so no waiting caller is
  /// left without an answer.
  void close();

 private:
  void drain();

  std::thread::id owner_;
  uv_loop_t loop_;
  uv_async_t wake_;
  std::mutex mu_;  // guards queue_ and closed_: the one door between the other threads and this one
  std::vector<std::function<void()>> queue_;
  bool closed_ = false;
};

}  // namespace sgdns::app
