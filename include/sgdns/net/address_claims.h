// SPDX-License-Identifier: MIT
// AddressClaims: one sgdns per listen address, and a busy address found before anything is loaded.
//
// UDP workers bind with SO_REUSEPORT, so a second sgdns on the same address would silently share the first
// one's port and take part of its queries. Each address is therefore claimed first with a lock that lives
// exactly as long as the process: an abstract Unix socket named after the address ("\0sgdns/ADDR:PORT").
// Abstract names belong to the network namespace, as ports do, need no file, and vanish when the holder
// dies, even by SIGKILL. A second sgdns finds the name taken and names the holder (its pid, from
// SO_PEERCRED). Then each address is test-bound without SO_REUSEPORT (UDP and TCP for DNS, TCP for the
// admin port), so a port held by any other process fails at once with the kernel's reason.
#pragma once
#include <optional>
#include <vector>

#include "sgdns/dns/address.h"

namespace sgdns::net {

class AddressClaims {
 public:
  /// Claims every DNS address (UDP and TCP) and the admin address. Throws std::runtime_error
  /// "<address>: <reason>" for the first that is listed twice, held by another sgdns or cannot be bound.
  AddressClaims(const std::vector<dns::SocketAddress>& dns, const std::optional<dns::SocketAddress>& admin);
  ~AddressClaims();
  AddressClaims(const AddressClaims&) = delete;
  AddressClaims& operator=(const AddressClaims&) = delete;

 private:
  void claim(const dns::SocketAddress& address, bool udp);
  std::vector<int> locks_;
};

}  // namespace sgdns::net
