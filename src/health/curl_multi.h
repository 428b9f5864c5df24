// SPDX-License-Identifier: MIT
// Drives libcurl's multi interface from a libuv loop (curl's "multi-uv" pattern): a uv_poll_t per socket
// curl wants watched and one uv_timer_t for curl's timeout, so HTTP probes need no thread of their own.
#pragma once
#include <curl/curl.h>
#include <uv.h>

#include <functional>
#include <unordered_set>

namespace sgdns::health {

class CurlMulti {
 public:
  /// Called once per finished transfer, on the loop thread, outside any curl callback; the callee
  /// removes the easy handle (remove()) and frees it.
  using DoneFn = std::function<void(CURL* easy, CURLcode result)>;

  CurlMulti(uv_loop_t* loop, DoneFn on_done);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  /// Starts a transfer; false when curl refuses it (or after close()).
  [[nodiscard]] bool add(CURL* easy);
  /// Takes a transfer out, finished or not; the caller still owns and frees `easy`.
  void remove(CURL* easy);
  /// Frees the multi handle and closes every libuv handle; the loop must run afterwards so the close
  /// callbacks fire. Every transfer must have been removed first.
  void close();

 private:
  struct Watch;  // one watched socket

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* userp);
  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_timeout(uv_timer_t* handle);

  Watch* watch(curl_socket_t s, Watch* existing);
  void unwatch(Watch* w);
  void drain();

  uv_loop_t* loop_;
  DoneFn on_done_;
  CURLM* multi_ = nullptr;
  uv_timer_t timer_{};
  std::unordered_set<Watch*> watches_;  // so close() can close any socket curl forgot to release
};

}  // namespace sgdns::health
