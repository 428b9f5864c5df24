// SPDX-License-Identifier: MIT
// UDP data plane: per listen address, N worker threads each with its own SO_REUSEPORT socket, reading and
// writing in batches (recvmmsg/sendmmsg); on a wildcard address replies leave from the address each query
// was sent to (PKTINFO).
#pragma once
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "sgdns/dns/address.h"
#include "sgdns/dnstap/sink.h"
#include "sgdns/metrics/counters.h"
#include "sgdns/net/world_store.h"
#include "sgdns/rrl/limiter.h"

namespace sgdns::net {

class UdpServer {
 public:
  /// Binds every socket now (the rate limiter's table is sized from the current World's settings), so a bad
  /// or busy address fails at start with a clear error (std::runtime_error naming the address). With
  /// `dnstap`, worker k (of workers x listen addresses) logs through its producer k; it must outlive this.
  UdpServer(const std::vector<dns::SocketAddress>& listen, int workers, WorldStore& store,
            metrics::CounterSet* counters = nullptr, dnstap::Sink* dnstap = nullptr);
  ~UdpServer();
  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  void start();
  /// Wakes every worker, lets it finish its batch, and joins it.
  void stop();

 private:
  struct Worker;
  WorldStore& store_;
  std::unique_ptr<rrl::Limiter> limiter_;  // shared by every worker
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace sgdns::net
