// SPDX-License-Identifier: MIT
// Build and library versions for --version, the sgdns_build_info metric and /v1/status.
#include "sgdns/app/build_info.h"

#include <stdbool.h>  // before ldns, which otherwise defines a bool macro

#include <civetweb.h>
#include <curl/curl.h>
#include <ldns/util.h>
#include <maxminddb.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <uv.h>

#include <nlohmann/json.hpp>

namespace sgdns::app {
namespace {

std::string or_unknown(const char* text) {
  return text && *text ? text : "unknown";
}

BuildInfo collect() {
  BuildInfo b;
  b.version = SGDNS_VERSION;
  b.commit = or_unknown(SGDNS_COMMIT);
  b.build_type = or_unknown(SGDNS_BUILD_TYPE);
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  b.libraries = {
      {"ldns", or_unknown(ldns_version())},
      {"libuv", or_unknown(uv_version_string())},
      {"libmaxminddb", or_unknown(MMDB_lib_version())},
      {"libcurl",
       or_unknown(curl ? curl->version : nullptr) +
           (curl && curl->ssl_version ? std::string(" (") + curl->ssl_version + ")" : std::string())},
      {"civetweb", or_unknown(mg_version())},
      {"OpenSSL", or_unknown(OpenSSL_version(OPENSSL_VERSION_STRING))},
      {"libsodium", or_unknown(sodium_version_string())},
      {"prometheus-cpp", or_unknown(SGDNS_PROMETHEUS_CPP_VERSION)},
      {"liburcu", or_unknown(SGDNS_URCU_VERSION)},
      {"nlohmann-json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
  };
  return b;
}

}  // namespace

const BuildInfo& build_info() {
  static const BuildInfo kInfo = collect();
  return kInfo;
}

std::string version_text() {
  const BuildInfo& b = build_info();
  std::string out = "sgdns " + b.version + " (commit " + b.commit + ", " + b.build_type + " build)\n";
  for (const auto& [name, version] : b.libraries) out += "  " + name + " " + version + "\n";
  return out;
}

}  // namespace sgdns::app
