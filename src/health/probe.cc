// SPDX-License-Identifier: MIT
// Helpers shared by every probe type: reporting once, address parsing, duration.
#include "probe.h"

#include <utility>

#include "sgdns/dns/address.h"

namespace sgdns::health {

void Probe::report(ProbeResult result) {
  if (sink_ == nullptr) return;
  ProbeSink* sink = std::exchange(sink_, nullptr);
  sink->on_probe_result(this, std::move(result));
}

bool parse_address(const std::string& address, std::uint16_t port, sockaddr_storage& out) noexcept {
  dns::IpAddress ip;
  if (!dns::parse_ip(address, ip)) return false;
  out = dns::to_sockaddr(ip, port);
  return true;
}

double seconds_since(std::uint64_t start_ns) noexcept {
  return static_cast<double>(uv_hrtime() - start_ns) / 1e9;
}

}  // namespace sgdns::health
