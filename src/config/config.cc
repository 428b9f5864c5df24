// SPDX-License-Identifier: MIT
// Defaults, reload and the error lists of the configuration readers.
#include "sgdns/config/config.h"

#include "defaults.h"

namespace sgdns::config {

namespace {

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& p : list) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

ConfigErrors::ConfigErrors(std::vector<std::string> problems)
    : ConfigError(join(problems)), problems_(std::move(problems)) {}

void Problems::throw_if_any(const std::string& prefix) const {
  if (list_.empty()) return;
  std::vector<std::string> out;
  for (const auto& p : list_) out.push_back(prefix.empty() ? p : prefix + ": " + p);
  throw ConfigErrors(std::move(out));
}

void apply_defaults(Config& c) {
  if (c.listen.empty()) c.listen.push_back(dns::parse_socket_address("127.0.0.1:5353"));
  if (!c.axfr_allow_set) {
    c.options.axfr_allow = {dns::parse_prefix("127.0.0.0/8"), dns::parse_prefix("::1/128")};
  }
}

std::string parse_account_name(std::string_view text) {
  bool portable =
      !text.empty() && text.size() <= 32 && text.front() != '-' &&
      text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
          std::string_view::npos;
  if (!portable)
    throw std::invalid_argument("expected a user or group name (letters, digits, '.', '_', '-'; at most 32)");
  return std::string(text);
}

Config reload_config(const Config& current) {
  std::vector<const char*> argv;
  for (const std::string& a : current.argv) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data()).config;
}

}  // namespace sgdns::config
