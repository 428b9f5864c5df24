// SPDX-License-Identifier: MIT
// Admin HTTP on civetweb: a well-kept embeddable server (prometheus-cpp already brings it), so we do not
// hand-write HTTP parsing for an operator-facing port.
#include "sgdns/admin/admin_server.h"

#include <civetweb.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "sgdns/util/log.h"

namespace sgdns::admin {

Response error(int status, const std::string& message) {
  return Response{status, nlohmann::json{{"error", message}}.dump() + "\n"};
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

std::string url_decode(const std::string& in) {
  std::vector<char> out(in.size() + 1);
  int n = mg_url_decode(in.c_str(), static_cast<int>(in.size()), out.data(), static_cast<int>(out.size()), 1);
  return n < 0 ? in : std::string(out.data(), static_cast<std::size_t>(n));
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(start, amp - start);
    std::size_t eq = pair.find('=');
    if (!pair.empty())
      out[url_decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    start = amp + 1;
  }
  return out;
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

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
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    default:
      return status < 500 ? "Client Error" : "Internal Server Error";
  }
}

}  // namespace

struct AdminServer::Impl {
  Backend& backend;
  std::string token;
  mg_context* ctx = nullptr;

  static int on_request(mg_connection* conn, void* data) {
    auto* self = static_cast<Impl*>(data);
    const mg_request_info* info = mg_get_request_info(conn);
    std::string body;
    Response r;
    if (info->content_length > static_cast<long long>(kMaxBody)) {
      r = error(413, "body larger than " + std::to_string(kMaxBody) + " bytes");
    } else {
      char buf[4096];
      int n;
      while (body.size() <= kMaxBody && (n = mg_read(conn, buf, sizeof buf)) > 0)
        body.append(buf, static_cast<std::size_t>(n));
      if (body.size() > kMaxBody) {
        r = error(413, "body larger than " + std::to_string(kMaxBody) + " bytes");
      } else {
        const char* auth = mg_get_header(conn, "Authorization");
        std::string auth_text = auth ? auth : "";
        r = self->owner->handle(info->request_method, info->local_uri ? info->local_uri : "/",
                                info->query_string ? info->query_string : "", auth ? &auth_text : nullptr,
                                body);
      }
    }
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s"
              "Connection: close\r\n\r\n",
              r.status, reason_phrase(r.status), r.content_type.c_str(), r.body.size(),
              r.status == 401 ? "WWW-Authenticate: Bearer realm=\"sgdns\"\r\n" : "");
    mg_write(conn, r.body.data(), r.body.size());
    return r.status;
  }

  AdminServer* owner = nullptr;
};

AdminServer::AdminServer(const config::SocketAddress& listen, std::string token, Backend& backend)
    : impl_(std::make_unique<Impl>(Impl{backend, std::move(token)})) {
  impl_->owner = this;
  std::string port = listen.text;
  const char* options[] = {
      "listening_ports", port.c_str(),        "num_threads", "4",    "request_timeout_ms",
      "10000",           "enable_keep_alive", "no",          nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = [](const mg_connection*, const char* message) {
    log::warn(std::string("admin: ") + message);
    return 1;
  };
  impl_->ctx = mg_start(&callbacks, nullptr, options);
  if (!impl_->ctx)
    throw std::runtime_error("admin " + listen.text + ": cannot listen (address in use or invalid)");
  mg_set_request_handler(impl_->ctx, "/", Impl::on_request, impl_.get());
}

AdminServer::~AdminServer() {
  if (impl_ && impl_->ctx) mg_stop(impl_->ctx);
}

Response AdminServer::handle(const std::string& method, const std::string& path, const std::string& query,
                             const std::string* authorization, const std::string& body) {
  auto parts = split_path(path);
  bool write = method == "PUT" || method == "DELETE" || method == "POST";
  auto route_known = [&] {
    return (parts.size() == 1 && parts[0] == "metrics") ||
           (parts.size() == 2 && parts[0] == "v1" &&
            (parts[1] == "status" || parts[1] == "explain" || parts[1] == "reload")) ||
           (parts.size() == 4 && parts[0] == "v1" && parts[1] == "overrides");
  };
  if (!route_known()) return error(404, "no such resource: " + path);
  if (write) {
    if (impl_->token.empty()) return error(403, "writes are disabled: no admin token_file is configured");
    const std::string prefix = "Bearer ";
    if (!authorization || authorization->compare(0, prefix.size(), prefix) != 0 ||
        !same_secret(authorization->substr(prefix.size()), impl_->token))
      return error(401, "a valid Authorization: Bearer token is required");
  }
  try {
    if (parts.size() == 1) {
      if (method != "GET") return error(405, "use GET");
      return impl_->backend.metrics();
    }
    if (parts.size() == 4) {
      std::string pool = url_decode(parts[2]), member = url_decode(parts[3]);
      if (method == "DELETE") return impl_->backend.clear_override(pool, member);
      if (method != "PUT") return error(405, "use PUT or DELETE");
      nlohmann::json doc;
      try {
        doc = nlohmann::json::parse(body);
      } catch (const nlohmann::json::parse_error& e) {
        return error(400, std::string("invalid JSON: ") + e.what());
      }
      if (!doc.is_object()) return error(400, "expected a JSON object");
      return impl_->backend.set_override(pool, member, doc);
    }
    if (parts[1] == "status") return method == "GET" ? impl_->backend.status() : error(405, "use GET");
    if (parts[1] == "explain")
      return method == "GET" ? impl_->backend.explain(parse_query(query)) : error(405, "use GET");
    return method == "POST" ? impl_->backend.reload() : error(405, "use POST");
  } catch (const std::exception& e) {
    return error(500, e.what());
  }
}

}  // namespace sgdns::admin
