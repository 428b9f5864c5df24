// SPDX-License-Identifier: MIT
// Helpers shared by every probe type: reporting once, address parsing, duration.
#include "probe.h"

#include <cstring>
#include <utility>

namespace sgdns::health {

void Probe::report(ProbeResult result) {
  if (sink_ == nullptr) return;
  ProbeSink* sink = std::exchange(sink_, nullptr);
  sink->on_probe_result(this, std::move(result));
}

bool parse_address(const std::string& address, std::uint16_t port, sockaddr_storage& out) noexcept {
  std::memset(&out, 0, sizeof out);
  if (address.find(':') != std::string::npos) {
    return uv_ip6_addr(address.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out)) == 0;
  }
  return uv_ip4_addr(address.c_str(), port, reinterpret_cast<sockaddr_in*>(&out)) == 0;
}

double seconds_since(std::uint64_t start_ns) noexcept {
  return static_cast<double>(uv_hrtime() - start_ns) / 1e9;
}

}  // namespace sgdns::health
