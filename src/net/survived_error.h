// SPDX-License-Identifier: MIT
// Socket errors a transport survives (net-private): a UDP receive retried, a UDP reply or a TCP connection
// lost. Each is counted (sgdns_socket_errors_total{op}) and logged, at most one line a second per kind so a
// persistent error cannot flood the log; the next line says how many were not logged.
#pragma once
#include <string_view>

#include "sgdns/metrics/counters.h"

namespace sgdns::net {

/// `counters` may be null (no metrics). `where` names the socket ("udp 127.0.0.1:53"), `error` is an
/// errno or a negative libuv error.
void survived_error(metrics::WorkerCounters* counters, metrics::SocketError op, std::string_view where,
                    int error) noexcept;

}  // namespace sgdns::net
