// SPDX-License-Identifier: MIT
// DNS over TCP (RFC 7766) on its own libuv loop thread: length-prefixed messages, pipelined queries
// answered in order, zone transfers, and limits no single client can monopolise: deadlines per query and
// per reply, an idle timeout counted in complete queries, a per-source cap, eviction of the longest idle
// connection at the global cap, and a bounded backlog of replies per connection (docs/operations.md).
#pragma once
#include <memory>
#include <thread>
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/dns/address.h"
#include "sgdns/dnstap/sink.h"
#include "sgdns/metrics/counters.h"
#include "sgdns/net/world_store.h"

namespace sgdns::net {

using TcpLimits = config::TcpLimits;

class TcpServer {
 public:
  /// Binds and listens on every address now; throws std::runtime_error naming the address on failure.
  /// With `dnstap`, the TCP thread logs through that producer (its own; it must outlive this).
  TcpServer(const std::vector<dns::SocketAddress>& listen, TcpLimits limits, WorldStore& store,
            metrics::CounterSet* counters = nullptr, dnstap::Producer* dnstap = nullptr);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  void start();
  /// Closes every connection and the listeners, then joins the thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace sgdns::net
