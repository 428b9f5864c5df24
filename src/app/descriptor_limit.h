// SPDX-License-Identifier: MIT
// The open-file limit: raised to the hard limit at start, and checked against what the configuration can
// open at once, so a full TCP table fails at start with the setting named rather than with EMFILE under
// load (private to app).
#pragma once
#include <cstddef>
#include <string>

#include "sgdns/config/config.h"

namespace sgdns::app {

/// What the configuration may hold open at once, by kind.
struct DescriptorNeeds {
  std::size_t udp_sockets = 0;
  std::size_t tcp_listeners = 0;
  std::size_t tcp_connections = 0;
  std::size_t admin = 0;   // listeners, a connection per thread, civetweb's queue, TLS relays
  std::size_t probes = 0;  // two probes in flight per endpoint, plus libcurl's own
  std::size_t files = 0;   // state file, its temporary, zone files and $INCLUDEs read at reload, tokens
  std::size_t base = 0;    // stdio, each libuv loop's epoll/eventfd/signal descriptors, headroom
  [[nodiscard]] std::size_t total() const {
    return udp_sockets + tcp_listeners + tcp_connections + admin + probes + files + base;
  }
};

[[nodiscard]] DescriptorNeeds descriptor_needs(const config::Config& config, int udp_workers,
                                               std::size_t probe_targets);

/// Raises the soft RLIMIT_NOFILE to the hard limit (logged when it changes) and returns the limit now in
/// force. A hard limit of "unlimited" is capped at the kernel's nr_open.
std::size_t raise_descriptor_limit();

/// Throws config::ConfigError when `needs` does not fit `limit`, naming the setting to lower (and by how
/// much) or the limit to raise.
void check_descriptor_limit(const DescriptorNeeds& needs, std::size_t limit);

}  // namespace sgdns::app
