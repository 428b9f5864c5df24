// SPDX-License-Identifier: MIT
// EtcdClient: blocking HTTP/JSON calls to etcd's v3 gateway through libcurl (app-private). One per thread
// (a libcurl easy handle is not shared); never used on a query thread. Endpoints are tried in order, so a
// fleet keeps working while one etcd member is down; TLS and user/password come from the `fleet` config.
#pragma once
#include <curl/curl.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "sgdns/config/config.h"

namespace sgdns::app::etcd {

/// No endpoint answered (or answered with an HTTP error): what was tried and why it failed.
class EtcdUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class EtcdClient {
 public:
  /// `password`: fleet.credentials' password, read once at start (before privileges are dropped).
  EtcdClient(const config::FleetConfig& config, std::string password);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  /// POST `body` to /v3/`path` and returns the reply body (HTTP 200 only). Throws EtcdUnavailable.
  [[nodiscard]] std::string call(const std::string& path, const nlohmann::json& body);
  /// The watch stream: `on_line` gets each reply line as it arrives; returns when `stop` becomes true or
  /// `on_line` returns false. Throws EtcdUnavailable when it could not be opened or broke.
  void watch(const nlohmann::json& body, const std::function<bool(const std::string&)>& on_line,
             const std::atomic<bool>& stop);

 private:
  CURLcode perform(const std::string& url, const std::string& body, long timeout_ms, std::string& out,
                   long& status, void* stream);
  void authenticate(const std::string& base);

  config::FleetConfig config_;
  CURL* curl_;
  std::string password_;
  std::string token_;     // etcd auth token, when credentials are configured
  std::size_t good_ = 0;  // the endpoint that answered last: tried first next time
};

/// The password in fleet.credentials.password_file (trailing newlines dropped); "" without credentials.
/// Throws std::runtime_error when the file cannot be read.
[[nodiscard]] std::string read_password(const config::FleetConfig& config);

}  // namespace sgdns::app::etcd
