// SPDX-License-Identifier: MIT
// libFuzzer target: the admin request path, exactly as civetweb's callback drives it. Each input is an
// HTTP-like request (the harness splits it; civetweb's parser is not ours to fuzz):
//
//   METHOD SP TARGET LF        TARGET = path[?query], %-escapes as sent (civetweb runs with decode_url=no)
//   Name: value LF ...         headers, up to an empty line
//   body                       the rest
//
// The backend is the real Control's admin gate (src/app/admin_gate.cc; the fuzzer's thread is the control
// thread, so each request runs at once) over the golden geo configuration, with a write
// token the seeds know, so overrides, explain, status, metrics and reload all run. Errors are answers;
// an escaping exception, a crash or a non-JSON error body is a bug.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "control.h"
#include "sgdns/admin/router.h"
#include "sgdns/config/config.h"

using namespace sgdns;

namespace {

constexpr const char* kToken = "fuzz-write-token-0123456789";

struct Bed {
  Bed() {
    char folder[] = "/tmp/sgdns-fuzz-admin-XXXXXX";
    if (!::mkdtemp(folder)) std::abort();
    token_file = std::string(folder) + "/token";
    FILE* f = std::fopen(token_file.c_str(), "w");
    if (!f) std::abort();
    std::fputs(kToken, f);
    std::fclose(f);
    ::chmod(token_file.c_str(), 0600);
    // The same flags a server would get, so POST /v1/reload re-reads them like SIGHUP does.
    const std::string config = SGDNS_TEST_DATA "/golden/configs/geo.json";
    const char* argv[] = {"sgdns", "--config",           config.c_str(),    "--log-level",
                          "error", "--admin-token-file", token_file.c_str()};
    control = std::make_unique<app::Control>(config::parse_command_line(7, argv).config);
    router = std::make_unique<admin::Router>(control->admin(), admin::Tokens{kToken, ""});
  }
  std::string token_file;
  std::unique_ptr<app::Control> control;
  std::unique_ptr<admin::Router> router;
};

/// Splits the input as the header comment says.
admin::Request request_of(const std::string& in) {
  admin::Request r;
  r.peer = "127.0.0.1:4242";
  std::size_t eol = in.find('\n');
  std::string line = in.substr(0, eol);
  std::size_t space = line.find(' ');
  r.method = line.substr(0, space);
  std::string target = space == std::string::npos ? "/" : line.substr(space + 1);
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  std::size_t pos = eol == std::string::npos ? in.size() : eol + 1;
  while (pos < in.size()) {
    std::size_t end = in.find('\n', pos);
    if (end == std::string::npos) end = in.size();
    std::string header = in.substr(pos, end - pos);
    pos = end + 1;
    if (header.empty()) break;
    std::size_t colon = header.find(':');
    std::string value = colon == std::string::npos ? "" : header.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    r.headers.emplace_back(header.substr(0, colon), value);
  }
  if (pos < in.size()) r.body = in.substr(pos);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Bed bed;
  const admin::Request request = request_of(std::string(reinterpret_cast<const char*>(data), size));
  const admin::Response response = bed.router->handle(request);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (response.content_type == "application/json") {
    // Every JSON reply parses (invalid UTF-8 was replaced, never passed through).
    nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_discarded()) __builtin_trap();
    if (response.status >= 400 && (!doc.is_object() || !doc["error"].is_string())) __builtin_trap();
  }
  return 0;
}
