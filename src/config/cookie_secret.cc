// SPDX-License-Identifier: MIT
// The DNS Cookie secret file: what every server of the fleet shares so that a cookie one of them issued
// is good at all of them (RFC 9018 section 5), and the previous secret while a new one rolls out.
#include <fstream>

#include "sgdns/config/config.h"

namespace sgdns::config {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_secret(const std::string& text, dns::CookieSecret& out) {
  if (text.size() != 2 * dns::kCookieSecretSize) return false;
  for (std::size_t i = 0; i < dns::kCookieSecretSize; ++i) {
    int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.key[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string trimmed(const std::string& line) {
  auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

}  // namespace

void read_cookie_secrets(const std::string& path, engine::CookieOptions& out) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cookies.secret_file " + path + ": cannot read");
  dns::CookieSecret secrets[2];
  int found = 0, line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    std::string text = trimmed(line);
    if (text.empty() || text[0] == '#') continue;
    const std::string where = "cookies.secret_file " + path + ":" + std::to_string(line_no) + ": ";
    if (found == 2)
      throw ConfigError(where + "more than two secrets (the current one, then the previous one)");
    if (!parse_secret(text, secrets[found]))
      throw ConfigError(where +
                        "expected 32 hex digits (a 128-bit secret), e.g. from `head -c 16 /dev/urandom | od "
                        "-An -tx1 | tr -d ' \\n'`");
    ++found;
  }
  if (found == 0) throw ConfigError("cookies.secret_file " + path + ": no secret in it");
  out.secret = secrets[0];
  out.has_previous = found == 2;
  if (out.has_previous) out.previous = secrets[1];
}

}  // namespace sgdns::config
