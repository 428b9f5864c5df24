// SPDX-License-Identifier: MIT
// The client side of a zone transfer (RFC 5936 AXFR, RFC 1995 IXFR) over TCP, optionally signed with
// TSIG: what sgdns as a secondary fetches from its primary. The socket side; zone::TransferReader reads
// what arrives. Blocking, with deadlines; it runs on the
// secondary's own fetch thread, never on a query thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sgdns/dns/address.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/zone/transfer_reader.h"

namespace sgdns::net {

struct TransferRequest {
  std::string origin;  // presentation form with the trailing dot
  dns::SocketAddress primary;
  std::optional<dns::TsigKey> key;  // set: the request is signed and every reply must verify
  /// Our SOA (owner = origin, uncompressed RDATA): set, IXFR from its serial (RFC 1995 puts it in the
  /// authority section); unset, AXFR.
  std::optional<std::vector<std::uint8_t>> soa_rdata;
  int timeout_ms = 10'000;  // to connect, and between two reads
  /// Set (by another thread): the transfer gives up within 100 ms, so a server that stops does not
  /// wait for a slow primary.
  const std::atomic<bool>* stop = nullptr;
};

using zone::IxfrStep;
using zone::TransferResult;

/// Transfers `request.origin` from `request.primary`. Never throws.
[[nodiscard]] TransferResult transfer_zone(const TransferRequest& request);

}  // namespace sgdns::net
