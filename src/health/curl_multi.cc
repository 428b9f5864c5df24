// SPDX-License-Identifier: MIT
// libcurl multi interface on a libuv loop, adapted from curl's docs/examples/multi-uv.c.
#include "curl_multi.h"

#include <stdexcept>
#include <string>

#include "sgdns/util/log.h"

namespace sgdns::health {

struct CurlMulti::Watch {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  CurlMulti* owner = nullptr;
};

CurlMulti::CurlMulti(uv_loop_t* loop, DoneFn on_done) : loop_(loop), on_done_(std::move(on_done)) {
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
  // close() normally ran on the loop thread; this only guards against a constructor-to-destructor path
  // where the loop never ran (the timer handle then needs no close callback).
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

bool CurlMulti::add(CURL* easy) {
  return multi_ != nullptr && curl_multi_add_handle(multi_, easy) == CURLM_OK;
}

void CurlMulti::remove(CURL* easy) {
  if (multi_ != nullptr) curl_multi_remove_handle(multi_, easy);
}

void CurlMulti::close() {
  if (multi_ == nullptr) return;
  // Cleared first so the callbacks curl_multi_cleanup may still make (sockets to remove, timer off)
  // never call back into the handle being freed.
  CURLM* multi = multi_;
  multi_ = nullptr;
  curl_multi_cleanup(multi);
  for (Watch* w : std::unordered_set<Watch*>(watches_)) unwatch(w);
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

CurlMulti::Watch* CurlMulti::watch(curl_socket_t s, Watch* existing) {
  if (existing != nullptr) return existing;
  auto* w = new Watch;
  w->fd = s;
  w->owner = this;
  if (int rc = uv_poll_init_socket(loop_, &w->poll, s); rc != 0) {
    // The transfer then stalls until curl's own timeout fails it: slow, but never wedged.
    log::warn(std::string("health: cannot watch curl socket: ") + uv_strerror(rc));
    delete w;
    return nullptr;
  }
  w->poll.data = w;
  watches_.insert(w);
  curl_multi_assign(multi_, s, w);
  return w;
}

void CurlMulti::unwatch(Watch* w) {
  watches_.erase(w);
  uv_poll_stop(&w->poll);  // stops epoll watching now, before curl closes the descriptor
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll),
           [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
}

int CurlMulti::on_socket(CURL* /*easy*/, curl_socket_t s, int what, void* userp, void* socketp) {
  auto* self = static_cast<CurlMulti*>(userp);
  auto* existing = static_cast<Watch*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (existing != nullptr) {
      self->unwatch(existing);
      if (self->multi_ != nullptr) curl_multi_assign(self->multi_, s, nullptr);
    }
    return 0;
  }
  if (self->multi_ == nullptr) return 0;  // closing: nothing new to watch
  Watch* w = self->watch(s, existing);
  if (w == nullptr) return 0;
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(&w->poll, events, &CurlMulti::on_poll);
  return 0;
}

int CurlMulti::on_timer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlMulti*>(userp);
  if (timeout_ms < 0) {
    uv_timer_stop(&self->timer_);
  } else {
    // Even 0 goes through the timer: curl forbids calling back into it from this callback.
    uv_timer_start(&self->timer_, &CurlMulti::on_timeout, static_cast<std::uint64_t>(timeout_ms), 0);
  }
  return 0;
}

void CurlMulti::on_poll(uv_poll_t* handle, int status, int events) {
  auto* w = static_cast<Watch*>(handle->data);
  CurlMulti* self = w->owner;
  if (self->multi_ == nullptr) return;
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  }
  int running = 0;
  curl_multi_socket_action(self->multi_, w->fd, flags, &running);
  self->drain();
}

void CurlMulti::on_timeout(uv_timer_t* handle) {
  auto* self = static_cast<CurlMulti*>(handle->data);
  if (self->multi_ == nullptr) return;
  int running = 0;
  curl_multi_socket_action(self->multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  self->drain();
}

void CurlMulti::drain() {
  int left = 0;
  while (multi_ != nullptr) {
    CURLMsg* msg = curl_multi_info_read(multi_, &left);
    if (msg == nullptr) break;
    if (msg->msg != CURLMSG_DONE) continue;
    // Copy out first: the callee removes the handle, which invalidates `msg`.
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    on_done_(easy, result);
  }
}

}  // namespace sgdns::health
