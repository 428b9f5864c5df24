// SPDX-License-Identifier: MIT
// The admin port's TLS, terminated with OpenSSL and relayed to civetweb over loopback (tls_front.h).
#include "tls_front.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <stdexcept>

#include "sgdns/dns/address.h"

namespace sgdns::admin {
namespace {

using Clock = std::chrono::steady_clock;

/// A handshake must finish this soon after the connection is accepted (a slow client holds a slot).
constexpr auto kHandshakeDeadline = std::chrono::seconds(10);
/// Nothing moving in either direction for this long ends a relayed connection. civetweb's own limits
/// (10 s for the headers, 10 s for a body) end a request long before.
constexpr auto kIdleDeadline = std::chrono::seconds(30);

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

int millis_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

/// Waits until `fd` is ready for `events` or `stop` fires or the deadline passes. True when ready.
bool wait_for(int fd, short events, int stop, Clock::time_point deadline) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop, POLLIN, 0}};
    int n = ::poll(fds, 2, millis_until(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || (fds[1].revents & POLLIN)) return false;
    return true;
  }
}

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

}  // namespace

struct TlsFront::Impl {
  std::unique_ptr<SSL_CTX, CtxFree> ctx;
  int listener = -1;
  int stop = -1;  // eventfd: readable once the front stops
  std::uint16_t backend_port = 0;
  std::thread acceptor;
  std::mutex mu;  // guards clients and active
  std::condition_variable idle;
  int active = 0;  // relaying threads (detached; the destructor waits for them)
  std::map<std::uint16_t, std::string> clients;

  ~Impl() {
    if (stop >= 0) {
      std::uint64_t one = 1;
      (void)!::write(stop, &one, sizeof one);
    }
    if (acceptor.joinable()) acceptor.join();
    {
      std::unique_lock lock(mu);
      idle.wait(lock, [this] { return active == 0; });  // each sees `stop` and returns promptly
    }
    if (listener >= 0) ::close(listener);
    if (stop >= 0) ::close(stop);
  }

  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listener, POLLIN, 0}, {stop, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
      if (fds[1].revents & POLLIN) return;
      if (!(fds[0].revents & POLLIN)) continue;
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mu);
        if (active >= AdminServer::kTlsConnections) {
          ::close(fd);  // full: the client may retry; an admin port needs no more
          continue;
        }
        ++active;
      }
      auto finished = [this] {
        std::lock_guard lock(mu);
        --active;
        idle.notify_all();
      };
      try {
        std::thread([this, fd, finished, client = dns::to_string(reinterpret_cast<const sockaddr*>(&peer))] {
          relay(fd, client);
          ::close(fd);
          finished();
        }).detach();
      } catch (const std::exception&) {  // no thread to be had: refuse this one
        ::close(fd);
        finished();
      }
    }
  }

  bool handshake(SSL* ssl, int fd) {
    const auto deadline = Clock::now() + kHandshakeDeadline;
    for (;;) {
      int r = SSL_accept(ssl);
      if (r == 1) return true;
      int e = SSL_get_error(ssl, r);
      if (e == SSL_ERROR_WANT_READ && wait_for(fd, POLLIN, stop, deadline)) continue;
      if (e == SSL_ERROR_WANT_WRITE && wait_for(fd, POLLOUT, stop, deadline)) continue;
      ERR_clear_error();
      return false;
    }
  }

  /// Connects to civetweb on loopback and records which client this connection stands for.
  int connect_backend(const std::string& client) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(backend_port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
      ::close(fd);
      return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::lock_guard lock(mu);
    clients[ntohs(local.sin_port)] = client;
    return fd;
  }

  void forget_backend(int fd) {
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      std::lock_guard lock(mu);
      clients.erase(ntohs(local.sin_port));
    }
    ::close(fd);
  }

  /// Writes all of `data` to the backend socket. False when it closed or stalled past the deadline.
  bool send_all(int fd, const char* data, std::size_t size) {
    const auto deadline = Clock::now() + kIdleDeadline;
    while (size > 0) {
      ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n > 0) {
        data += n;
        size -= static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!wait_for(fd, POLLOUT, stop, deadline)) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  /// Writes all of `data` over TLS. False when the client went away or stalled past the deadline.
  bool tls_write_all(SSL* ssl, int fd, const char* data, std::size_t size) {
    const auto deadline = Clock::now() + kIdleDeadline;
    while (size > 0) {
      int n = SSL_write(ssl, data, static_cast<int>(size));
      if (n > 0) {
        data += n;
        size -= static_cast<std::size_t>(n);
        continue;
      }
      int e = SSL_get_error(ssl, n);
      if (e == SSL_ERROR_WANT_WRITE && wait_for(fd, POLLOUT, stop, deadline)) continue;
      if (e == SSL_ERROR_WANT_READ && wait_for(fd, POLLIN, stop, deadline)) continue;
      ERR_clear_error();
      return false;
    }
    return true;
  }

  void relay(int fd, const std::string& client) {
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || !handshake(ssl.get(), fd)) {
      ERR_clear_error();
      return;
    }
    int backend = connect_backend(client);
    if (backend < 0) return;
    char buf[16384];
    bool client_open = true;
    auto deadline = Clock::now() + kIdleDeadline;
    for (;;) {
      // Decrypted bytes OpenSSL already holds count as readable without the socket saying so.
      bool pending = client_open && SSL_pending(ssl.get()) > 0;
      pollfd fds[3] = {{client_open ? fd : -1, POLLIN, 0}, {backend, POLLIN, 0}, {stop, POLLIN, 0}};
      int n = pending ? 1 : ::poll(fds, 3, millis_until(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || (fds[2].revents & POLLIN)) break;
      if (pending || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        int got = SSL_read(ssl.get(), buf, sizeof buf);
        if (got > 0) {
          if (!send_all(backend, buf, static_cast<std::size_t>(got))) break;
          deadline = Clock::now() + kIdleDeadline;
        } else {
          int e = SSL_get_error(ssl.get(), got);
          if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            client_open = false;  // the client is done sending; let the reply come back
            ::shutdown(backend, SHUT_WR);
          }
        }
      }
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t got = ::recv(backend, buf, sizeof buf, 0);
        if (got > 0) {
          if (!tls_write_all(ssl.get(), fd, buf, static_cast<std::size_t>(got))) break;
          deadline = Clock::now() + kIdleDeadline;
        } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
          SSL_shutdown(ssl.get());  // civetweb answered and closed: so do we
          break;
        }
      }
    }
    ERR_clear_error();
    forget_backend(backend);
  }
};

TlsFront::TlsFront(const dns::SocketAddress& listen, const std::string& certificate, const std::string& key)
    : impl_(std::make_unique<Impl>()) {
  impl_->ctx.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = impl_->ctx.get();
  if (!ctx) throw std::runtime_error("admin TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  const std::string& key_file = key.empty() ? certificate : key;
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1)
    throw std::runtime_error("admin.tls_certificate " + certificate + ": " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("admin.tls_key " + key_file + ": not a PEM private key for the certificate (" +
                             openssl_error() + ")");
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw std::runtime_error("admin.tls_key " + key_file +
                             " does not match the certificate: " + openssl_error());

  impl_->stop = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  impl_->listener = ::socket(listen.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (listen.family() == AF_INET6) ::setsockopt(impl_->listener, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  ::setsockopt(impl_->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (impl_->stop < 0 || impl_->listener < 0 || ::bind(impl_->listener, listen.get(), listen.length) != 0 ||
      ::listen(impl_->listener, 128) != 0)
    throw std::runtime_error("admin " + listen.text + ": cannot listen: " + std::strerror(errno));
}

TlsFront::~TlsFront() = default;

void TlsFront::start(std::uint16_t backend_port) {
  impl_->backend_port = backend_port;
  impl_->acceptor = std::thread([impl = impl_.get()] { impl->accept_loop(); });
}

std::optional<std::string> TlsFront::client_of(std::uint16_t local_port) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->clients.find(local_port);
  if (it == impl_->clients.end()) return std::nullopt;
  return it->second;
}

}  // namespace sgdns::admin
