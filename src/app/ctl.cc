// SPDX-License-Identifier: MIT
// sgdns ctl: a small libcurl client for the admin API, so operators need not write curl lines.
#include "sgdns/app/ctl.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgdns/admin/router.h"
#include "sgdns/config/duration.h"
#include "token_file.h"

namespace sgdns::app {
namespace {

constexpr const char* kUsage =
    R"(Usage: sgdns ctl [--admin [https://]ADDR:PORT] [--cacert FILE] [--token-file FILE] COMMAND
  status                                   zones, endpoints, overrides, worst-case failover
  override set POOL MEMBER up|down [--reason TEXT] [--expires DURATION]
  override clear POOL MEMBER
  explain NAME [TYPE] [--client IP] [--ecs ADDRESS/LENGTH]
  reload                                   reload zones and configuration
The admin address defaults to 127.0.0.1:8053; the token comes from --token-file or $SGDNS_TOKEN.
An admin port with TLS: --admin https://ADDR:PORT, and --cacert FILE when its certificate is not
signed by a CA the system trusts.
)";

struct Reply {
  long status = 0;
  std::string body;
};

std::string escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

Reply call(const std::string& admin, const std::string& cacert, const std::string& token, const char* method,
           const std::string& path, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (!curl) throw std::runtime_error("cannot initialise libcurl");
  Reply reply;
  std::string url = (admin.find("://") == std::string::npos ? "http://" + admin : admin) + path;
  if (!cacert.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, cacert.c_str());
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
  if (rc != CURLE_OK) throw std::runtime_error(url + ": " + curl_easy_strerror(rc));
  return reply;
}

std::string read_token(const std::string& file) {
  if (file.empty()) {
    const char* env = std::getenv("SGDNS_TOKEN");
    return env ? env : "";
  }
  std::optional<std::string> token = read_token_file(file);
  if (!token) throw std::invalid_argument("--token-file " + file + ": cannot read");
  return *token;
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

}  // namespace

int run_ctl(int argc, const char* const* argv) {
  std::string admin = "127.0.0.1:8053", cacert, token_file, reason, client, ecs, expires;
  std::vector<std::string> words;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + ": needs a value");
        return argv[++i];
      };
      if (a == "--admin")
        admin = value();
      else if (a == "--cacert")
        cacert = value();
      else if (a == "--token-file")
        token_file = value();
      else if (a == "--reason")
        reason = value();
      else if (a == "--expires")
        expires = checked_duration(a, value());
      else if (a == "--client")
        client = value();
      else if (a == "--ecs")
        ecs = value();
      else if (a == "--help" || a == "-h") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a.rfind("--", 0) == 0)
        throw std::invalid_argument(a + ": unknown option");
      else
        words.push_back(a);
    }
    std::string token = read_token(token_file);
    CURL* esc = curl_easy_init();
    auto e = [&](const std::string& s) { return escape(esc, s); };
    Reply r;
    if (words.size() == 1 && words[0] == "status") {
      r = call(admin, cacert, token, "GET", "/v1/status", "");
    } else if (words.size() == 1 && words[0] == "reload") {
      r = call(admin, cacert, token, "POST", "/v1/reload", "");
    } else if (words.size() == 5 && words[0] == "override" && words[1] == "set") {
      nlohmann::json body = {{"state", words[4]}, {"reason", reason}};
      if (!expires.empty()) body["expires"] = expires;  // the API reads the same syntax
      r = call(admin, cacert, token, "PUT", "/v1/overrides/" + e(words[2]) + "/" + e(words[3]),
               sgdns::admin::json_text(body));
    } else if (words.size() == 4 && words[0] == "override" && words[1] == "clear") {
      r = call(admin, cacert, token, "DELETE", "/v1/overrides/" + e(words[2]) + "/" + e(words[3]), "");
    } else if ((words.size() == 2 || words.size() == 3) && words[0] == "explain") {
      std::string q = "?name=" + e(words[1]) + "&type=" + e(words.size() == 3 ? words[2] : "A");
      if (!client.empty()) q += "&client=" + e(client);
      if (!ecs.empty()) q += "&ecs=" + e(ecs);
      r = call(admin, cacert, token, "GET", "/v1/explain" + q, "");
    } else {
      curl_easy_cleanup(esc);
      std::fputs(kUsage, stderr);
      return 2;
    }
    curl_easy_cleanup(esc);
    std::fputs(r.body.c_str(), r.status >= 200 && r.status < 300 ? stdout : stderr);
    return r.status >= 200 && r.status < 300 ? 0 : 1;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "sgdns ctl: %s\n", ex.what());
    return 2;
  }
}

}  // namespace sgdns::app
