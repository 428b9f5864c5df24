// SPDX-License-Identifier: MIT
// sgdns: authoritative geo-DNS server. Everything lives in the libraries; see docs/architecture.md.
#include <csignal>

#include "sgdns/app/server.h"

int main(int argc, char** argv) {
  // First: a peer that resets a TCP connection (DNS, admin, or a probed HTTPS edge) must give EPIPE on
  // the next write, not kill the process. libuv and OpenSSL write to such sockets; nothing else ignores it.
  std::signal(SIGPIPE, SIG_IGN);
  return sgdns::app::main_entry(argc, argv);
}
