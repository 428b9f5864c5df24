// SPDX-License-Identifier: MIT
// RLIMIT_NOFILE: raise the soft limit, then check the configuration fits.
#include "descriptor_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sgdns/admin/admin_server.h"
#include "sgdns/util/log.h"

namespace sgdns::app {

DescriptorNeeds descriptor_needs(const config::Config& config, int udp_workers, std::size_t probe_targets) {
  DescriptorNeeds n;
  n.udp_sockets = config.listen.size() * static_cast<std::size_t>(udp_workers);
  n.tcp_listeners = config.listen.size();
  n.tcp_connections = static_cast<std::size_t>(config.tcp.max_connections);
  if (config.admin.listen) n.admin = admin::AdminServer::descriptors(!config.admin.tls_certificate.empty());
  n.probes = probe_targets ? probe_targets * 2 + 16 : 0;
  // State file, its temporary and folder, token files, and a zone with its nested $INCLUDEs at reload.
  n.files = 32;
  // stdio, three libuv loops (control, TCP, prober) with epoll, eventfd and signal pipes, /dev/urandom,
  // liburcu, and headroom for what libraries open on their own (resolver, OpenSSL).
  n.base = 64;
  return n;
}

std::size_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  rlim_t want = limit.rlim_max;
  if (want == RLIM_INFINITY) {
    // The kernel refuses a soft limit above fs.nr_open.
    std::ifstream nr_open("/proc/sys/fs/nr_open");
    unsigned long long cap = 1048576;
    if (!(nr_open >> cap)) cap = 1048576;
    want = static_cast<rlim_t>(cap);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < want) {
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = want;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      log::info("open files limit raised from " + std::to_string(before) + " to " + std::to_string(want));
    } else {
      log::warn(std::string("cannot raise the open files limit: ") + std::strerror(errno));
      limit.rlim_cur = before;
    }
  }
  return limit.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(want)
                                         : static_cast<std::size_t>(limit.rlim_cur);
}

void check_descriptor_limit(const DescriptorNeeds& n, std::size_t limit) {
  if (n.total() <= limit) return;
  const std::size_t over = n.total() - limit;
  std::string what = "open files: the configuration may need " + std::to_string(n.total()) +
                     " descriptors (tcp.max_connections " + std::to_string(n.tcp_connections) +
                     ", udp sockets " + std::to_string(n.udp_sockets) +
                     " = listen addresses x threads, admin " + std::to_string(n.admin) + ", probes " +
                     std::to_string(n.probes) + ", files and libraries " +
                     std::to_string(n.files + n.base + n.tcp_listeners) + ") but RLIMIT_NOFILE is " +
                     std::to_string(limit) + ": ";
  if (n.tcp_connections > over)
    what += "lower tcp.max_connections (--tcp-max-connections) to " +
            std::to_string(n.tcp_connections - over) + " or less, ";
  else if (n.udp_sockets > over)
    what += "lower threads (--threads), ";
  throw config::ConfigError(what + "or raise the limit (ulimit -n, LimitNOFILE= in the systemd unit)");
}

}  // namespace sgdns::app
