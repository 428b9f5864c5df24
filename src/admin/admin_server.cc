// SPDX-License-Identifier: MIT
// Admin HTTP on civetweb: a well-kept embeddable server (prometheus-cpp already brings it), so we do not
// hand-write HTTP parsing for an operator-facing port. This file only moves bytes between civetweb and the
// Router; every callback catches everything, because an exception unwinding into civetweb's C frames
// would end the process.
#include "sgdns/admin/admin_server.h"

#include <civetweb.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "quick_stop.h"
#include "sgdns/util/log.h"
#include "sgdns/util/text.h"
#include "tls_front.h"

namespace sgdns::admin {
namespace {

/// A request body must arrive within this long of the handler starting to read it. civetweb's
/// request_timeout_ms bounds the headers as a whole but a body only per recv(): mg_read(n) returns once n
/// bytes came, so a client sending a byte every few seconds would hold an admin thread for hours.
constexpr auto kBodyDeadline = std::chrono::seconds(10);

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 422:
      return "Unprocessable Entity";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 500 ? "Client Error" : "Internal Server Error";
  }
}

void send(mg_connection* conn, const Response& r) {
  const std::string allow = r.allow.empty() ? "" : "Allow: " + r.allow + "\r\n";
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s%s"
            "Connection: close\r\n\r\n",
            r.status, reason_phrase(r.status), r.content_type.c_str(), r.body.size(),
            r.status == 401 ? "WWW-Authenticate: Bearer realm=\"sgdns\"\r\n" : "", allow.c_str());
  mg_write(conn, r.body.data(), r.body.size());
}

std::string peer_of(const mg_request_info* info) {
  std::string address = info->remote_addr;
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  return address + ":" + std::to_string(info->remote_port);
}

}  // namespace

struct AdminServer::Impl {
  Router router;
  std::unique_ptr<TlsFront> tls;  // with TLS: the public port; civetweb then listens on loopback only
  mg_context* ctx = nullptr;
  dns::SocketAddress civetweb_address{};  // where civetweb listens, for stop_quickly()

  Impl(Tokens tokens, Backend& backend) : router(backend, std::move(tokens)) {}

  ~Impl() {
    // civetweb first: once mg_stop has joined its workers, none of them is in peer(), which reads `tls`
    // and calls into the TLS front. The other order let a worker still serving a request read `tls` (or
    // use the front) while it was destroyed; ThreadSanitizer reported it. Connections the front relays
    // meanwhile find civetweb gone and are closed.
    if (ctx) stop_quickly(ctx, civetweb_address);
    tls.reset();
  }

  /// The client's address; behind the TLS front, the address the front accepted.
  std::string peer(const mg_request_info* info) const {
    if (tls && std::string(info->remote_addr) == "127.0.0.1") {
      if (auto client = tls->client_of(static_cast<std::uint16_t>(info->remote_port))) return *client;
    }
    return peer_of(info);
  }

  /// Reads the body: at most kMaxBody + 1 bytes (the router answers 413 beyond), within kBodyDeadline.
  static std::optional<Response> read_body(mg_connection* conn, const mg_request_info* info,
                                           std::string& body) {
    if (info->content_length > static_cast<long long>(kMaxBody))
      return error(413, "body larger than " + std::to_string(kMaxBody) + " bytes");
    const auto deadline = std::chrono::steady_clock::now() + kBodyDeadline;
    // One byte per mg_read: each call then returns as soon as anything arrived (or civetweb's per-recv
    // timeout passed), so the deadline is checked between bytes. Bodies here are small JSON documents;
    // bytes civetweb already buffered with the headers are copied, not received again.
    char byte;
    while (body.size() <= kMaxBody && mg_read(conn, &byte, 1) == 1) {
      body.push_back(byte);
      if (std::chrono::steady_clock::now() > deadline)
        return error(408, "the body did not arrive within " + std::to_string(kBodyDeadline.count()) + " s");
    }
    return std::nullopt;
  }

  Response serve(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    if (!info || !info->request_method) return error(400, "not an HTTP request");
    if (!info->local_uri_raw) return error(400, "the request target is not a path on this server");
    Request request;
    request.method = info->request_method;
    request.path = info->local_uri_raw;
    request.query = info->query_string ? info->query_string : "";
    request.peer = peer(info);
    for (int i = 0; i < info->num_headers && i < MG_MAX_HEADERS; ++i) {
      const mg_header& h = info->http_headers[i];
      request.headers.emplace_back(h.name ? h.name : "", h.value ? h.value : "");
    }
    if (auto refused = read_body(conn, info, request.body)) return *refused;
    return router.handle(request);
  }

  static int on_request(mg_connection* conn, void* data) noexcept {
    Response r;
    try {
      r = static_cast<Impl*>(data)->serve(conn);
    } catch (const std::exception& e) {
      log::error(std::string("admin: ") + text::escape(e.what()));
      r = error(500, "internal error");
    } catch (...) {
      r = error(500, "internal error");
    }
    try {
      send(conn, r);
    } catch (...) {
    }
    return r.status;
  }

  /// civetweb's own errors (a malformed request line, an unknown method, headers too large): JSON as well.
  static int on_http_error(mg_connection* conn, int status, const char* message) noexcept {
    try {
      send(conn, error(status, message ? message : reason_phrase(status)));
      return 0;
    } catch (...) {
      return 1;  // let civetweb write its own page
    }
  }

  static int on_log(const mg_connection*, const char* message) noexcept {
    try {
      log::warn(std::string("admin: ") + text::escape(message ? message : ""));
    } catch (...) {
    }
    return 1;
  }
};

AdminServer::AdminServer(const ListenOptions& listen, Tokens tokens, Backend& backend)
    : impl_(std::make_unique<Impl>(std::move(tokens), backend)) {
  const bool tls = !listen.tls_certificate.empty();
  // With TLS the public address belongs to the TLS front and civetweb takes any free loopback port.
  if (tls) impl_->tls = std::make_unique<TlsFront>(listen.address, listen.tls_certificate, listen.tls_key);
  std::string port = tls ? "127.0.0.1:0" : listen.address.text;
  std::string threads = std::to_string(kThreads), queue = std::to_string(kQueue);
  // decode_url=no: the router decodes each path segment itself, so "%2F" inside a name stays in the name
  // and nothing is decoded twice.
  const char* options[] = {"listening_ports",
                           port.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "connection_queue",
                           queue.c_str(),
                           "request_timeout_ms",
                           "10000",
                           "enable_keep_alive",
                           "no",
                           "decode_url",
                           "no",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = Impl::on_log;
  callbacks.http_error = Impl::on_http_error;
  mg_init_data init{&callbacks, impl_.get(), options};
  char reason[256] = "";
  unsigned code = 0;
  mg_error_data failure{&code, reason, sizeof reason};
  impl_->ctx = mg_start2(&init, &failure);
  if (!impl_->ctx)
    throw std::runtime_error(listen.address.text + ": admin API: cannot listen: " +
                             (reason[0] ? std::string(reason) : "address in use or invalid"));
  mg_set_request_handler(impl_->ctx, "/", Impl::on_request, impl_.get());
  impl_->civetweb_address = listen.address;
  if (tls) {
    mg_server_port ports[1]{};
    if (mg_get_server_ports(impl_->ctx, 1, ports) != 1)
      throw std::runtime_error("admin " + listen.address.text + ": no loopback port behind TLS");
    impl_->civetweb_address = dns::parse_socket_address("127.0.0.1:" + std::to_string(ports[0].port));
    impl_->tls->start(static_cast<std::uint16_t>(ports[0].port));
  }
}

AdminServer::~AdminServer() = default;

}  // namespace sgdns::admin
