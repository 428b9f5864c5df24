// SPDX-License-Identifier: MIT
// TlsFront: TLS for the admin port, terminated in-process with OpenSSL and passed as plain HTTP to civetweb
// on a loopback port of its own (private to admin).
//
// Why not civetweb's own TLS: Debian 12's libcivetweb 1.15 loads OpenSSL with dlopen("libssl.so") and looks
// up SSL_get_peer_certificate, which OpenSSL 3 no longer exports (it is a macro there); the lookup fails
// silently and the first TLS connection calls a null function pointer (civetweb issue #1334). Linking
// OpenSSL ourselves and relaying bytes keeps civetweb's HTTP parsing and gives TLS that works.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sgdns/admin/admin_server.h"
#include "sgdns/dns/address.h"

namespace sgdns::admin {

class TlsFront {
 public:
  /// Loads the certificate chain and key (key empty: in the certificate file) and binds `listen` now.
  /// Throws std::runtime_error naming the setting or the address.
  TlsFront(const dns::SocketAddress& listen, const std::string& certificate, const std::string& key);
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  /// Starts accepting; each connection is relayed to 127.0.0.1:`backend_port`.
  void start(std::uint16_t backend_port);

  /// The client behind a relayed connection whose loopback source port is `local_port`, e.g.
  /// "192.0.2.7:51234"; nullopt for a connection the front did not make.
  [[nodiscard]] std::optional<std::string> client_of(std::uint16_t local_port) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sgdns::admin
