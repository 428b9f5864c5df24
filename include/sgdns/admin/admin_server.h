// SPDX-License-Identifier: MIT
// The admin HTTP(S) port on civetweb: reads each request (body limit, deadline), hands it to the Router
// (router.h: routes, tokens, validation) and writes the JSON reply. Errors civetweb raises itself (a
// malformed request line, headers too large) are JSON too. With TLS, an OpenSSL front (tls_front.h) owns
// the public address and relays plain HTTP to civetweb on loopback.
#pragma once
#include <memory>
#include <string>

#include "sgdns/admin/router.h"
#include "sgdns/dns/address.h"

namespace sgdns::admin {

struct ListenOptions {
  dns::SocketAddress address;
  /// TLS: a PEM certificate (chain) file, and the PEM private key file (empty: the key is in the
  /// certificate file). No certificate: plain HTTP.
  std::string tls_certificate;
  std::string tls_key;
};

class AdminServer {
 public:
  /// Largest request body accepted.
  static constexpr std::size_t kMaxBody = Router::kMaxBody;
  /// Admin worker threads: requests served at once (more wait in the accept queue). Slow clients can
  /// hold one each for at most the header or body deadline (10 s); 8 keep the port usable meanwhile.
  static constexpr int kThreads = 8;
  /// Accepted connections waiting for a thread (civetweb's connection_queue); beyond it the kernel's
  /// listen backlog holds them.
  static constexpr int kQueue = 32;
  /// TLS connections relayed at once (each holds two descriptors); more are closed at once.
  static constexpr int kTlsConnections = 32;

  /// The most descriptors the admin port holds at once: listeners, connections, the TLS relays.
  [[nodiscard]] static constexpr std::size_t descriptors(bool tls) {
    return 1 + kThreads + kQueue + (tls ? 2 + 2 * kTlsConnections : 0);
  }

  /// Listens at once; throws std::runtime_error naming the address and the reason when it cannot.
  AdminServer(const ListenOptions& listen, Tokens tokens, Backend& backend);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sgdns::admin
