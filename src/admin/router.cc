// SPDX-License-Identifier: MIT
// Admin routing, tokens and request validation: the pure half of the admin API (router.h).
#include "sgdns/admin/router.h"

#include <exception>
#include <stdexcept>

#include "log_limiter.h"
#include "sgdns/util/log.h"
#include "sgdns/util/text.h"

namespace sgdns::admin {

std::string json_text(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response error(int status, const std::string& message) {
  try {
    return Response{status, json_text(nlohmann::json{{"error", message}}) + "\n"};
  } catch (...) {  // only std::bad_alloc is left
    return Response{status, "{\"error\": \"out of memory\"}\n"};
  }
}

namespace {

/// A request the router refuses before any backend sees it.
struct Refusal {
  int status;
  std::string message;
  const char* allow = "";  // a 405's Allow header
};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// %XX decoding (RFC 3986 2.1) of one path segment or query component; in a query (form encoding) '+' is a
/// space too.
std::string percent_decode(const std::string& in, bool plus_is_space, const char* where) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (plus_is_space && in[i] == '+') {
      out += ' ';
    } else if (in[i] != '%') {
      out += in[i];
    } else {
      int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
      if (lo < 0) throw Refusal{400, std::string(where) + ": a % is not followed by two hexadecimal digits"};
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

/// The query's parameters: each at most once, printable UTF-8, at most kMaxParameter bytes.
std::map<std::string, std::string> parse_query(const std::string& query) {
  constexpr std::size_t kMaxParameters = 16;
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true, "query");
    std::string value = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1), true, "query");
    if (!text::printable_utf8(key) || key.size() > Router::kMaxName)
      throw Refusal{400, "query: a parameter name is not printable UTF-8 of at most " +
                             std::to_string(Router::kMaxName) + " bytes"};
    if (!text::printable_utf8(value) || value.size() > Router::kMaxParameter)
      throw Refusal{400, "query: " + key + ": expected printable UTF-8 of at most " +
                             std::to_string(Router::kMaxParameter) + " bytes"};
    if (!out.emplace(key, value).second) throw Refusal{400, "query: " + key + ": given more than once"};
    if (out.size() > kMaxParameters) throw Refusal{400, "query: more than 16 parameters"};
  }
  return out;
}

/// A pool or member name from a (still encoded) path segment.
std::string name_from_path(const std::string& segment, const char* what) {
  std::string part = percent_decode(segment, false, what);
  if (!text::printable_utf8(part) || part.size() > Router::kMaxName)
    throw Refusal{400, std::string(what) + ": expected printable UTF-8 of at most " +
                           std::to_string(Router::kMaxName) + " bytes"};
  return part;
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool same_name(const std::string& a, const char* b) {
  std::size_t i = 0;
  for (; i < a.size() && b[i]; ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return i == a.size() && !b[i];
}

enum class Access { Read, Write };

}  // namespace

struct Router::Impl {
  Backend& backend;
  Tokens tokens;
  LogLimiter refusals{20};  // failed authentications logged per minute

  /// The bearer token the request carries; nullopt without one. Two Authorization headers are a 400.
  static std::optional<std::string> bearer(const Request& r, bool& present) {
    const std::string* value = nullptr;
    for (const auto& [name, v] : r.headers) {
      if (!same_name(name, "authorization")) continue;
      if (value) throw Refusal{400, "Authorization: given more than once"};
      value = &v;
    }
    present = value != nullptr;
    const std::string prefix = "Bearer ";
    if (!value || value->compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    return value->substr(prefix.size());
  }

  /// Throws a Refusal (401/403) unless the request may do what `access` needs.
  void authorize(const Request& r, Access access) {
    bool present = false;
    std::optional<std::string> token = bearer(r, present);
    const std::string& needed = access == Access::Write ? tokens.write : tokens.read;
    if (access == Access::Read && tokens.read.empty()) return;
    if (needed.empty()) throw Refusal{403, "writes are disabled: no admin token_file is configured"};
    bool ok = token && (same_secret(*token, needed) || (access == Access::Read && !tokens.write.empty() &&
                                                        same_secret(*token, tokens.write)));
    if (ok) return;
    std::uint64_t suppressed = 0;
    if (refusals.allow(suppressed))
      log::warn("admin: refused " + text::escape(r.method, 16) + " " + text::escape(r.path, 256) + " from " +
                text::escape(r.peer, 64) + ": " + (present ? "wrong token" : "no bearer token") +
                (suppressed ? " (" + std::to_string(suppressed) + " similar refusals not logged)" : ""));
    throw Refusal{401, std::string("a valid Authorization: Bearer token is required") +
                           (access == Access::Read ? " (admin.read_token_file is set)" : "")};
  }

  Response route(const Request& r) {
    if (r.path.size() > kMaxPath)
      throw Refusal{414, "path longer than " + std::to_string(kMaxPath) + " bytes"};
    if (r.body.size() > kMaxBody)
      throw Refusal{413, "body larger than " + std::to_string(kMaxBody) + " bytes"};
    const auto parts = split_path(r.path);
    const std::string& m = r.method;
    auto only = [&](const char* allowed) {
      if (m != allowed) throw Refusal{405, std::string("use ") + allowed, allowed};
    };
    // Orchestrators' probes: no token, nothing revealed but that the process answers (and is serving).
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "health") {
      only("GET");
      return {200, "{\"alive\": true}\n"};
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "ready") {
      only("GET");
      return backend.ready();
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "overrides") {
      only("GET");
      authorize(r, Access::Read);
      return backend.overrides();
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "fleet") {
      only("GET");
      authorize(r, Access::Read);
      return backend.fleet();
    }
    if (parts.size() == 1 && parts[0] == "metrics") {
      only("GET");
      authorize(r, Access::Read);
      return backend.metrics();
    }
    if (parts.size() == 1 && parts[0] == "status") {
      only("GET");
      authorize(r, Access::Read);
      return backend.status_page();
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "status") {
      only("GET");
      authorize(r, Access::Read);
      return backend.status();
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "explain") {
      only("GET");
      authorize(r, Access::Read);
      return backend.explain(parse_query(r.query));
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "reload") {
      only("POST");
      authorize(r, Access::Write);  // a dry run too: it reads every file a reload reads
      auto params = parse_query(r.query);
      auto dry = params.find("dry_run");
      if (dry != params.end() && dry->second != "0" && dry->second != "false")
        return audited(r, backend.dry_run_reload());
      return audited(r, backend.reload());
    }
    if (parts.size() == 4 && parts[0] == "v1" && parts[1] == "overrides") {
      if (m != "PUT" && m != "DELETE") throw Refusal{405, "use PUT or DELETE", "PUT, DELETE"};
      authorize(r, Access::Write);
      std::string pool = name_from_path(parts[2], "pool"), member = name_from_path(parts[3], "member");
      if (m == "DELETE") return audited(r, backend.clear_override(pool, member, r.peer));
      nlohmann::json doc;
      try {
        doc = nlohmann::json::parse(r.body);
      } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a huge number
        throw Refusal{400, std::string("invalid JSON: ") + e.what()};
      }
      if (!doc.is_object()) throw Refusal{400, "expected a JSON object"};
      return audited(r, backend.set_override(pool, member, doc, r.peer));
    }
    throw Refusal{404, "no such resource: " + text::escape(r.path, 256)};
  }

  /// Every authenticated write is logged with who asked and what came of it.
  static Response audited(const Request& r, Response response) {
    log::info("admin: " + r.method + " " + text::escape(r.path, 256) + " from " + text::escape(r.peer, 64) +
              ": " + std::to_string(response.status));
    return response;
  }
};

Router::Router(Backend& backend, Tokens tokens) : impl_(new Impl{backend, std::move(tokens)}) {}

Router::~Router() = default;

Response Router::handle(const Request& request) noexcept {
  try {
    try {
      return impl_->route(request);
    } catch (const Refusal& refusal) {
      Response r = error(refusal.status, refusal.message);
      r.allow = refusal.allow;
      return r;
    } catch (const std::exception& e) {
      log::error("admin: " + text::escape(request.method, 16) + " " + text::escape(request.path, 256) +
                 " failed: " + text::escape(e.what()));
      return error(500, std::string("internal error: ") + e.what());
    }
  } catch (...) {  // anything else, or running out of memory while reporting the above
    return Response{500, "{\"error\": \"internal error\"}\n"};
  }
}

}  // namespace sgdns::admin
