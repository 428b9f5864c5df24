// SPDX-License-Identifier: MIT
// A throwaway knotd instance on a loopback port, the reference server for differential tests.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "process.h"
#include "temp_dir.h"

namespace sgdns::test {

// Path of knotd (/usr/sbin/knotd or from $PATH), or "" when it is not installed.
std::string find_knotd();

class KnotServer {
 public:
  // Serves each (origin, absolute zone file path) read-only: knotd never writes back to the zone files.
  // Throws std::runtime_error with knotd's log when it does not start and answer within 10 s.
  explicit KnotServer(const std::vector<std::pair<std::string, std::string>>& zones);

  uint16_t port() const { return port_; }
  std::string log() const { return process_->log(); }

 private:
  TempDir dir_;  // config, rundir, storage and log
  uint16_t port_;
  std::unique_ptr<Process> process_;
};

}  // namespace sgdns::test
