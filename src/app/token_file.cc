// SPDX-License-Identifier: MIT
#include "token_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace sgdns::app {

std::optional<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

}  // namespace sgdns::app
