// SPDX-License-Identifier: MIT
// HTTP and HTTPS checks: one curl easy handle per probe on the shared multi handle; the result is the
// status code against `expect` and the body against `body_contains`.
#include <algorithm>
#include <string>
#include <vector>

#include "curl_multi.h"
#include "probe.h"

namespace sgdns::health {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024;  // enough for any status page marker; bounds memory

bool is_ipv6(const std::string& address) {
  return address.find(':') != std::string::npos;
}
std::string bracketed(const std::string& address) {
  return is_ipv6(address) ? "[" + address + "]" : address;
}
/// The address as a URL host: IPv6 in brackets, a zone id ("fe80::1%eth0") with its '%' escaped.
std::string url_host(const std::string& address) {
  std::string out;
  for (char c : address) out += c == '%' ? std::string("%25") : std::string(1, c);
  return bracketed(out);
}

bool is_tls_error(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

class HttpProbe final : public Probe {
 public:
  HttpProbe(uv_loop_t* loop, CurlMulti& curl, const Endpoint& endpoint, ProbeSink* sink)
      : Probe(sink, uv_now(loop)),
        curl_(curl),
        expect_(endpoint.check.expect),
        body_contains_(endpoint.check.body_contains),
        started_ns_(uv_hrtime()) {}

  ~HttpProbe() override {
    take_out();
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
    curl_slist_free_all(headers_);
    curl_slist_free_all(resolve_);
  }

  /// Builds and adds the transfer; false (with `failed` set) when curl cannot take it.
  bool start(const Endpoint& endpoint, ProbeResult& failed) {
    easy_ = curl_easy_init();
    if (easy_ == nullptr || !configure(endpoint) || !curl_.add(easy_)) {
      failed = ProbeResult{false, Failure::Other, 0, 0, "curl: cannot start the request"};
      return false;
    }
    added_ = true;
    return true;
  }

  void abandon() override {
    detach();
    delete this;  // the destructor takes the transfer out of the multi handle and frees it
  }

  /// The transfer finished: classify, report, free.
  void finish(CURLcode code) {
    ProbeResult r = classify(code);
    r.seconds = seconds_since(started_ns_);
    take_out();
    report(std::move(r));
    delete this;
  }

 private:
  bool configure(const Endpoint& endpoint) {
    const CheckSpec& check = endpoint.check;
    bool https = check.type == CheckType::Https;
    std::string port = std::to_string(check.port);
    std::string path = check.path.empty() || check.path.front() != '/' ? "/" + check.path : check.path;
    // For HTTPS with a host name the URL names the host, so SNI and the certificate check use it;
    // CURLOPT_RESOLVE pins that name to this endpoint's address.
    bool by_name = https && !check.host.empty();
    std::string url = std::string(https ? "https://" : "http://") +
                      (by_name ? check.host : url_host(endpoint.address)) + ":" + port + path;
    if (by_name) {
      resolve_ =
          curl_slist_append(nullptr, (check.host + ":" + port + ":" + bracketed(endpoint.address)).c_str());
      if (resolve_ == nullptr) return false;
    }
    if (!check.host.empty()) {
      headers_ = curl_slist_append(nullptr, ("Host: " + check.host).c_str());
      if (headers_ == nullptr) return false;
    }
    long timeout = effective_timeout_ms(check);
    long verify = check.verify_tls ? 1L : 0L;
    bool ok = curl_easy_setopt(easy_, CURLOPT_URL, url.c_str()) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_PRIVATE, static_cast<void*>(this)) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, timeout) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, timeout) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_PROXY, "") == CURLE_OK;  // never via a proxy from the env
    ok = ok && curl_easy_setopt(easy_, CURLOPT_USERAGENT, "sgdns-health/0.1") == CURLE_OK;
    ok = ok &&
         curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)) == CURLE_OK;
    // A fresh connection each time: a probe must test that the backend still accepts connections.
    ok = ok && curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, verify) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, verify * 2L) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpProbe::on_write) == CURLE_OK;
    ok = ok && curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this) == CURLE_OK;
    if (headers_ != nullptr) ok = ok && curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_) == CURLE_OK;
    if (resolve_ != nullptr) ok = ok && curl_easy_setopt(easy_, CURLOPT_RESOLVE, resolve_) == CURLE_OK;
    return ok;
  }

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* self = static_cast<HttpProbe*>(user);
    std::size_t n = size * count;
    std::size_t room = kMaxBody - std::min(kMaxBody, self->body_.size());
    self->body_.append(data, std::min(n, room));
    return n;  // keep reading past the cap: aborting would turn a big page into a failure
  }

  ProbeResult classify(CURLcode code) const {
    ProbeResult r;
    if (code != CURLE_OK) return transport_failure(code);
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    r.http_status = static_cast<int>(status);
    if (std::find(expect_.begin(), expect_.end(), r.http_status) == expect_.end()) {
      r.failure = Failure::Status;
      r.detail = "status " + std::to_string(r.http_status);
    } else if (!body_contains_.empty() && body_.find(body_contains_) == std::string::npos) {
      r.failure = Failure::Body;
      r.detail = "body lacks \"" + body_contains_ + "\"";
    } else {
      r.ok = true;
    }
    return r;
  }

  ProbeResult transport_failure(CURLcode code) const {
    ProbeResult r;
    std::string why = error_[0] != '\0' ? error_ : curl_easy_strerror(code);
    if (code == CURLE_COULDNT_CONNECT) {
      r.failure = Failure::Refused;
      r.detail = "connect: " + why;
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
      r.failure = Failure::Timeout;
      r.detail = "timeout: " + why;
    } else if (is_tls_error(code)) {
      r.failure = Failure::Tls;
      r.detail = "tls: " + why;
    } else {
      r.failure = Failure::Other;
      r.detail = why;
    }
    return r;
  }

  /// Takes the transfer out of the multi handle (closing its socket) before anything else happens.
  void take_out() {
    if (added_) curl_.remove(easy_);
    added_ = false;
  }

  CurlMulti& curl_;
  std::vector<int> expect_;
  std::string body_contains_;
  std::uint64_t started_ns_;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  curl_slist* resolve_ = nullptr;
  std::string body_;
  char error_[CURL_ERROR_SIZE] = {};
  bool added_ = false;
};

}  // namespace

Probe* start_http_probe(uv_loop_t* loop, CurlMulti& curl, const Endpoint& endpoint, ProbeSink* sink,
                        ProbeResult& failed) {
  sockaddr_storage address{};
  if (!parse_address(endpoint.address, endpoint.check.port, address)) {
    failed = ProbeResult{false, Failure::Other, 0, 0, "bad address " + endpoint.address};
    return nullptr;
  }
  auto* probe = new HttpProbe(loop, curl, endpoint, sink);
  if (!probe->start(endpoint, failed)) {
    probe->abandon();
    return nullptr;
  }
  return probe;
}

void finish_http_probe(CURL* easy, CURLcode result) {
  char* owner = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &owner);
  if (owner != nullptr) static_cast<HttpProbe*>(static_cast<void*>(owner))->finish(result);
}

}  // namespace sgdns::health
