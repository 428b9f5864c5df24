// SPDX-License-Identifier: MIT
// One probe of one endpoint (TCP connect or HTTP(S) request) on the prober's loop: the interface the
// scheduler uses, so it never needs to know how a check type works.
#pragma once
#include <curl/curl.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <string>

#include "sgdns/health/check.h"

namespace sgdns::health {

class CurlMulti;
class Probe;

/// Receives a probe's result: exactly once per probe unless the probe is abandoned first.
class ProbeSink {
 public:
  virtual void on_probe_result(Probe* probe, ProbeResult result) = 0;

 protected:
  ~ProbeSink() = default;
};

class Probe {
 public:
  Probe(ProbeSink* sink, std::uint64_t started_ms) : sink_(sink), started_ms_(started_ms) {}
  virtual ~Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  /// Stops the probe without reporting; the probe frees itself (at once, or once its libuv handles
  /// have closed), so the caller must forget the pointer.
  virtual void abandon() = 0;
  /// Loop time (uv_now) when the probe started, for the "suspect" rule.
  [[nodiscard]] std::uint64_t started_ms() const noexcept { return started_ms_; }

 protected:
  /// Hands the result to the sink once; later calls (a timeout racing a completion) are ignored.
  void report(ProbeResult result);
  /// Forgets the sink: nothing is reported any more (abandon, or about to report).
  void detach() noexcept { sink_ = nullptr; }

 private:
  ProbeSink* sink_;
  std::uint64_t started_ms_;
};

/// Starts a TCP connect probe. Returns nullptr when it fails at once, with the result in `failed`.
Probe* start_tcp_probe(uv_loop_t* loop, const Endpoint& endpoint, ProbeSink* sink, ProbeResult& failed);
/// Starts an HTTP or HTTPS probe on `curl`. Returns nullptr when it fails at once (result in `failed`).
Probe* start_http_probe(uv_loop_t* loop, CurlMulti& curl, const Endpoint& endpoint, ProbeSink* sink,
                        ProbeResult& failed);
/// Routes a finished curl transfer back to the HTTP probe that owns it.
void finish_http_probe(CURL* easy, CURLcode result);

/// An IPv4 or IPv6 literal (dns::parse_ip) and a port as a socket address; false when it is neither.
bool parse_address(const std::string& address, std::uint16_t port, sockaddr_storage& out) noexcept;
/// A probe's timeout, never 0 (which curl would read as "no timeout").
[[nodiscard]] inline long effective_timeout_ms(const CheckSpec& check) noexcept {
  return check.timeout_ms > 0 ? check.timeout_ms : 1;
}
/// Seconds since `start_ns` (a uv_hrtime() value).
[[nodiscard]] double seconds_since(std::uint64_t start_ns) noexcept;

}  // namespace sgdns::health
