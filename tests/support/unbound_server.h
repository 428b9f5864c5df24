// SPDX-License-Identifier: MIT
// A throwaway unbound (Debian's /usr/sbin/unbound) on a loopback port: a real recursive resolver with the
// subnetcache module, sending EDNS Client Subnet to an sgdns that it reaches through a stub-zone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "process.h"
#include "temp_dir.h"

namespace sgdns::test {

// Path of unbound (/usr/sbin/unbound or from $PATH), or "" when it is not installed.
std::string find_unbound();

struct UnboundSetup {
  std::string zone;        // the stub zone, e.g. "geo.test."
  uint16_t auth_port = 0;  // sgdns on 127.0.0.1
  // "subnetcache validator iterator" by default; "subnetcache iterator" without DNSSEC validation.
  std::string modules = "subnetcache validator iterator";
  int max_client_subnet_ipv4 = 24;
  // A file of DNSKEY (or DS) records for the zone: unbound validates it from there (val-log-level 2 logs
  // why an answer failed). Empty: the zone is declared insecure.
  std::string trust_anchor_file;
  // unbound's cache-max-ttl when above 0: caches (answers and keys) expire within seconds, so a test can
  // watch a resolver pick up a DNSKEY change.
  int cache_max_ttl = 0;
};

class UnboundServer {
 public:
  // Writes unbound.conf (foreground, no chroot, no privilege drop, no trust anchors, logs in the scratch
  // directory), checks it with unbound-checkconf when that is installed, starts `unbound -d -c CONF` and
  // waits (bounded) until it answers a recursive SOA query for the zone. Throws std::runtime_error with the
  // configuration and unbound's log when it does not.
  explicit UnboundServer(const UnboundSetup& setup);

  uint16_t port() const { return port_; }
  const std::string& config() const { return config_text_; }
  // unbound's log file and its stdout/stderr.
  std::string log() const;
  Process& process() { return *process_; }

 private:
  TempDir dir_;
  uint16_t port_;
  std::string config_text_;
  std::unique_ptr<Process> process_;
};

}  // namespace sgdns::test
