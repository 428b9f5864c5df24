// SPDX-License-Identifier: MIT
// sgdns ctl: a small libcurl client for the admin API, so operators need not write curl lines.
#include "sgdns/app/ctl.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fleet_status.h"
#include "sgdns/admin/router.h"
#include "sgdns/config/config.h"
#include "sgdns/config/duration.h"
#include "sgdns/util/args.h"
#include "token_file.h"

namespace sgdns::app {
namespace {

constexpr const char* kUsage =
    R"(Usage: sgdns ctl [--config FILE] [--admin [https://]ADDR:PORT] [--cacert FILE] [--token-file FILE]
                 COMMAND
  status                                   version, configuration, zones, GeoIP databases, every pool
                                           member's probe, override and effective state, records
  health | ready                           liveness; readiness (serving, not starting or stopping)
  override list                            the overrides in force
  override set POOL MEMBER up|down [--reason TEXT] [--expires DURATION]
  override clear POOL MEMBER
  explain NAME [TYPE] [--client IP] [--ecs ADDRESS/LENGTH]
                                           the running server's decision, with its live health
  reload [--dry-run]                       reload zones and configuration (--dry-run: say what would
                                           change and warn, install nothing)
  fleet                                    every instance sharing this one's etcd prefix: NSID, version,
                                           configuration and GeoIP digests, zone serials, last heartbeat,
                                           and what sets a straggler apart (FLAGS)
The admin API: --admin, else admin.listen of the --config file (https:// when it has a TLS certificate),
else 127.0.0.1:8053. --cacert FILE: the CA of a certificate the system does not trust.
The token: --token-file FILE, else $SGDNS_TOKEN, else admin.token_file of the --config file (for reads,
admin.read_token_file when admin.token_file cannot be read; reads send none when there is none).
DURATION: 90 (seconds), 90s, 15m, 1h, 2d. Exit status: 0 done, 1 the API refused, 2 usage or connection.
)";

struct Reply {
  long status = 0;
  std::string body;
};

struct Options {
  std::string config_file;
  std::string admin;
  std::string cacert;
  std::string token_file;
  std::string read_token_file;  // from the --config file: what reads may send instead
  std::string reason, client, ecs, expires;
  bool dry_run = false;
  std::vector<std::string> words;
};

std::string escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

Reply call(const Options& o, const std::string& token, const char* method, const std::string& path,
           const std::string& body) {
  const std::string& admin = o.admin;
  CURL* curl = curl_easy_init();
  if (!curl) throw std::runtime_error("cannot initialise libcurl");
  Reply reply;
  std::string url = (admin.find("://") == std::string::npos ? "http://" + admin : admin) + path;
  if (!o.cacert.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.cacert.c_str());
  curl_slist* headers = nullptr;
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  if (std::string(method) != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* p, std::size_t size, std::size_t n, void* out) {
        static_cast<std::string*>(out)->append(p, size * n);
        return size * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK)
    throw std::runtime_error(
        "cannot reach the admin API at " + url.substr(0, url.size() - path.size()) + " (" +
        curl_easy_strerror(rc) +
        "): is sgdns running with its admin API there? Give --admin ADDR:PORT or --config "
        "FILE (its admin.listen)");
  return reply;
}

/// `text` when it is a duration (90, 90s, 15m, 1h): a mistake is caught before anything is sent.
std::string checked_duration(const std::string& flag, const std::string& text) {
  try {
    (void)config::parse_duration_ms(text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(flag + ": " + e.what());
  }
  return text;
}

constexpr args::Flag kFlags[] = {
    {"--config", true},  {"--admin", true},  {"--cacert", true}, {"--token-file", true}, {"--reason", true},
    {"--expires", true}, {"--client", true}, {"--ecs", true},    {"--dry-run"},
};

Options parse(int argc, const char* const* argv) {
  Options o;
  for (args::Item& item : args::split(argc, argv, kFlags, true, "(see sgdns ctl --help)")) {
    const std::string& a = item.flag;
    if (a.empty())
      o.words.push_back(std::move(item.value));
    else if (a == "--config")
      o.config_file = item.value;
    else if (a == "--admin")
      o.admin = item.value;
    else if (a == "--cacert")
      o.cacert = item.value;
    else if (a == "--token-file")
      o.token_file = item.value;
    else if (a == "--reason")
      o.reason = item.value;
    else if (a == "--expires")
      o.expires = checked_duration(a, item.value);
    else if (a == "--client")
      o.client = item.value;
    else if (a == "--ecs")
      o.ecs = item.value;
    else if (a == "--dry-run")
      o.dry_run = true;
  }
  return o;
}

/// Where to reach the API and which token file to read, filled from the --config file when the flags do
/// not say. A wildcard admin.listen (0.0.0.0, ::) is reached on the loopback address of its family.
void apply_config_file(Options& o) {
  if (o.config_file.empty()) {
    if (o.admin.empty()) o.admin = "127.0.0.1:8053";
    return;
  }
  config::Config c = config::load_config_file(o.config_file);
  if (o.admin.empty()) {
    if (!c.admin.listen)
      throw std::invalid_argument(o.config_file +
                                  ": no admin.listen, the admin API is off there (or give --admin)");
    dns::SocketAddress a = *c.admin.listen;
    std::string text = dns::to_string(a.get());
    if (text.rfind("0.0.0.0:", 0) == 0) text = "127.0.0.1:" + text.substr(8);
    if (text.rfind("[::]:", 0) == 0) text = "[::1]:" + text.substr(5);
    o.admin = (c.admin.tls_certificate.empty() ? "" : "https://") + text;
  }
  if (o.token_file.empty() && !std::getenv("SGDNS_TOKEN")) {
    o.token_file = c.admin.token_file;
    o.read_token_file = c.admin.read_token_file;
  }
}

/// The token to send, and where it came from (for the hint when the server turns it down). A write
/// needs one it can read; a read sends what it can read and nothing otherwise (reads are open unless the
/// server has a read token).
std::pair<std::string, std::string> read_token(const Options& o, bool write) {
  for (const std::string* file : {&o.token_file, &o.read_token_file}) {
    if (file->empty() || (write && file == &o.read_token_file)) continue;
    std::optional<std::string> token = read_token_file(*file);
    if (token) return {*token, *file};
    if (write || file == &o.read_token_file)
      throw std::invalid_argument("token file " + *file + ": cannot read");
  }
  const char* env = std::getenv("SGDNS_TOKEN");
  return {env ? env : "", env ? "$SGDNS_TOKEN" : ""};
}

/// What to add when the API refused for want of a token.
std::string token_hint(long status, const std::string& token_source) {
  if (status == 403)
    return "the server refuses every write: it was started without admin.token_file (--admin-token-file)";
  if (status != 401) return "";
  if (token_source.empty())
    return "this command needs the admin token: pass --token-file FILE, or --config FILE (its "
           "admin.token_file is read), or set SGDNS_TOKEN";
  return "the token from " + token_source + " is not the server's (see its admin.token_file)";
}

}  // namespace

const char* ctl_usage() {
  return kUsage;
}

int run_ctl(int argc, const char* const* argv) {
  try {
    if (args::wants_help(argc, argv)) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    Options o = parse(argc, argv);
    apply_config_file(o);
    const auto& w = o.words;
    CURL* esc = curl_easy_init();
    auto e = [&](const std::string& s) { return escape(esc, s); };
    const char* method = "GET";
    std::string path, body;
    if (w.size() == 1 && (w[0] == "status" || w[0] == "health" || w[0] == "ready" || w[0] == "fleet")) {
      path = "/v1/" + w[0];
    } else if (w.size() == 2 && w[0] == "override" && w[1] == "list") {
      path = "/v1/overrides";
    } else if (w.size() == 1 && w[0] == "reload") {
      method = "POST";
      path = o.dry_run ? "/v1/reload?dry_run=1" : "/v1/reload";
    } else if (w.size() == 5 && w[0] == "override" && w[1] == "set") {
      nlohmann::json doc = {{"state", w[4]}, {"reason", o.reason}};
      if (!o.expires.empty()) doc["expires"] = o.expires;  // the API reads the same syntax
      method = "PUT";
      path = "/v1/overrides/" + e(w[2]) + "/" + e(w[3]);
      body = admin::json_text(doc);
    } else if (w.size() == 4 && w[0] == "override" && w[1] == "clear") {
      method = "DELETE";
      path = "/v1/overrides/" + e(w[2]) + "/" + e(w[3]);
    } else if ((w.size() == 2 || w.size() == 3) && w[0] == "explain") {
      path = "/v1/explain?name=" + e(w[1]) + "&type=" + e(w.size() == 3 ? w[2] : "A");
      if (!o.client.empty()) path += "&client=" + e(o.client);
      if (!o.ecs.empty()) path += "&ecs=" + e(o.ecs);
    }
    curl_easy_cleanup(esc);
    if (path.empty()) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    auto [token, source] = read_token(o, std::string(method) != "GET");
    Reply r = call(o, token, method, path, body);
    bool ok = r.status >= 200 && r.status < 300;
    if (ok && path == "/v1/fleet") r.body = fleet::fleet_table(nlohmann::json::parse(r.body, nullptr, false));
    std::fputs(r.body.c_str(), ok ? stdout : stderr);
    if (std::string hint = token_hint(r.status, source); !hint.empty())
      std::fprintf(stderr, "sgdns ctl: %s\n", hint.c_str());
    return ok ? 0 : 1;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "sgdns ctl: %s\n", ex.what());
    return 2;
  }
}

}  // namespace sgdns::app
