// SPDX-License-Identifier: MIT
// etcd's v3 gateway over libcurl, endpoint failover, TLS and auth (etcd_client.h).
#include "etcd_client.h"

#include <fstream>
#include <sstream>

#include "etcd_json.h"

namespace sgdns::app::etcd {
namespace {

/// A request to a live etcd takes milliseconds; 2 s tells an overloaded or partitioned member from a live
/// one while an admin caller still gets an answer well inside its own timeout.
constexpr long kRequestTimeoutMs = 2000;
/// A connect on loopback or a LAN takes well under this; longer means the member is away.
constexpr long kConnectTimeoutMs = 1000;

struct Stream {
  std::string pending;
  const std::function<bool(const std::string&)>* on_line = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool refused = false;  // on_line asked to stop
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t stream_lines(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<Stream*>(user);
  s->pending.append(data, size * n);
  std::size_t start = 0;
  for (std::size_t nl; (nl = s->pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = s->pending.substr(start, nl - start);
    if (!line.empty() && !(*s->on_line)(line)) {
      s->refused = true;
      return 0;  // ends the transfer
    }
  }
  s->pending.erase(0, start);
  // A watch line is one reply; anything this large without a newline is not the gateway talking.
  if (s->pending.size() > 64 * 1024 * 1024) return 0;
  return size * n;
}

int stream_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Stream*>(user)->stop->load() ? 1 : 0;
}

}  // namespace

std::string read_password(const config::FleetConfig& config) {
  if (config.password_file.empty()) return {};
  std::ifstream in(config.password_file);
  if (!in)
    throw std::runtime_error("fleet.credentials.password_file " + config.password_file + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

EtcdClient::EtcdClient(const config::FleetConfig& config, std::string password)
    : config_(config), curl_(curl_easy_init()), password_(std::move(password)) {
  if (!curl_) throw std::runtime_error("cannot initialise libcurl");
}

EtcdClient::~EtcdClient() {
  curl_easy_cleanup(curl_);
}

CURLcode EtcdClient::perform(const std::string& url, const std::string& body, long timeout_ms,
                             std::string& out, long& status, void* stream) {
  curl_easy_reset(curl_);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!config_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.client_certificate.empty()) {
    curl_easy_setopt(curl_, CURLOPT_SSLCERT, config_.client_certificate.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLKEY,
                     (config_.client_key.empty() ? config_.client_certificate : config_.client_key).c_str());
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (!token_.empty()) headers = curl_slist_append(headers, ("Authorization: " + token_).c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  if (stream) {
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, stream_lines);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, stream);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, stream_progress);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, stream);
  } else {
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &out);
  }
  const CURLcode rc = curl_easy_perform(curl_);
  status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return rc;
}

void EtcdClient::authenticate(const std::string& base) {
  if (config_.username.empty() || !token_.empty()) return;
  const std::string body = nlohmann::json{{"name", config_.username}, {"password", password_}}.dump();
  std::string out;
  long status = 0;
  const CURLcode rc = perform(base + "/v3/auth/authenticate", body, kRequestTimeoutMs, out, status, nullptr);
  if (rc != CURLE_OK) throw EtcdUnavailable(base + ": " + curl_easy_strerror(rc));
  if (status != 200)
    throw EtcdUnavailable(base + ": authentication refused (HTTP " + std::to_string(status) + ")");
  try {
    token_ = parse_token(out);
  } catch (const EtcdReplyError& e) {
    throw EtcdUnavailable(base + ": " + e.what());
  }
}

std::string EtcdClient::call(const std::string& path, const nlohmann::json& body) {
  const std::string text = body.dump();
  std::string errors;
  for (std::size_t k = 0; k < config_.endpoints.size(); ++k) {
    const std::size_t i = (good_ + k) % config_.endpoints.size();
    const std::string& base = config_.endpoints[i];
    try {
      authenticate(base);
      std::string out;
      long status = 0;
      const CURLcode rc = perform(base + "/v3/" + path, text, kRequestTimeoutMs, out, status, nullptr);
      if (rc != CURLE_OK) throw EtcdUnavailable(base + ": " + curl_easy_strerror(rc));
      if (status == 401) token_.clear();  // an expired token: the next call authenticates again
      if (status != 200)
        throw EtcdUnavailable(base + ": HTTP " + std::to_string(status) + " " + out.substr(0, 200));
      good_ = i;
      return out;
    } catch (const EtcdUnavailable& e) {
      errors += (errors.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  throw EtcdUnavailable("etcd unreachable: " + errors);
}

void EtcdClient::watch(const nlohmann::json& body, const std::function<bool(const std::string&)>& on_line,
                       const std::atomic<bool>& stop) {
  const std::string text = body.dump();
  const std::string& base = config_.endpoints[good_ % config_.endpoints.size()];
  authenticate(base);
  Stream s;
  s.on_line = &on_line;
  s.stop = &stop;
  std::string unused;
  long status = 0;
  const CURLcode rc = perform(base + "/v3/watch", text, 0, unused, status, &s);
  if (s.refused || stop.load()) return;
  // The watch only ends by our own hand; any other end means this member went away.
  good_ = (good_ + 1) % config_.endpoints.size();
  if (rc != CURLE_OK) throw EtcdUnavailable("watch on " + base + ": " + curl_easy_strerror(rc));
  throw EtcdUnavailable("watch on " + base + " ended (HTTP " + std::to_string(status) + ")");
}

}  // namespace sgdns::app::etcd
