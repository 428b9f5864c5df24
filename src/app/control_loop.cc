// SPDX-License-Identifier: MIT
// The control thread's mailbox and libuv loop (control_loop.h).
#include "control_loop.h"

#include <stdexcept>
#include <string>

#include "sgdns/util/log.h"

namespace sgdns::app {

ControlLoop::ControlLoop() : owner_(std::this_thread::get_id()) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &wake_, [](uv_async_t* a) { static_cast<ControlLoop*>(a->data)->drain(); });
  wake_.data = this;
}

ControlLoop::~ControlLoop() {
  close();
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);  // lets the close callbacks run
  uv_loop_close(&loop_);
}

bool ControlLoop::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    queue_.push_back(std::move(task));
  }
  uv_async_send(&wake_);
  return true;
}

void ControlLoop::drain() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mu_);
    tasks.swap(queue_);
  }
  for (auto& task : tasks) {
    // A posted task has no caller to hand an error to (call() catches its own): log it, keep serving.
    try {
      task();
    } catch (const std::exception& e) {
      log::error(std::string("control loop: ") + e.what());
    }
  }
}

void ControlLoop::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void ControlLoop::stop() {
  uv_stop(&loop_);
}

void ControlLoop::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  drain();
}

}  // namespace sgdns::app
