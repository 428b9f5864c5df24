// SPDX-License-Identifier: MIT
// Bearer token files: read, trimmed, and their permissions checked.
#include "token_file.h"

#include <sys/stat.h>

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

bool readable_by_others(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

}  // namespace sgdns::app
