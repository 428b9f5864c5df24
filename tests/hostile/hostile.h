// SPDX-License-Identifier: MIT
// Shared pieces of the hostile-clients suite: the file-descriptor limit, the server's memory, a timed
// legitimate query, and the one line each scenario prints its figure on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "dns_client.h"

namespace sgdns::test {

/// Raises this process's soft RLIMIT_NOFILE to its hard limit (a server started afterwards inherits it)
/// and returns the new soft limit.
std::size_t raise_fd_limit();

/// The resident set size of `pid` in KiB (VmRSS), or -1.
long rss_kib(pid_t pid);
/// The peak resident set size of `pid` in KiB (VmHWM), or -1.
long peak_rss_kib(pid_t pid);

/// Milliseconds for one A query over a new TCP connection (connect, ask, read the reply), or nullopt
/// when no correct answer came within `timeout`.
std::optional<double> timed_tcp_query(const Endpoint& to, const std::string& name, Millis timeout);
/// The same over UDP.
std::optional<double> timed_udp_query(const Endpoint& to, const std::string& name, Millis timeout);

/// Latencies gathered over a run, in milliseconds.
struct Latencies {
  std::vector<double> ms;
  std::size_t failed = 0;
  void add(const std::optional<double>& m) {
    if (m)
      ms.push_back(*m);
    else
      ++failed;
  }
  [[nodiscard]] std::size_t asked() const { return ms.size() + failed; }
  [[nodiscard]] double percentile(double p) const;
  [[nodiscard]] double max() const { return percentile(100); }
};

/// Prints "hostile <scenario>: <figure>" on its own line (ctest -V and scripts/test.sh show it).
void print_figure(const std::string& scenario, const std::string& figure);

}  // namespace sgdns::test
