// SPDX-License-Identifier: MIT
// ZoneError: a zone that cannot be served, with the file and line that made it so.
#pragma once
#include <stdexcept>
#include <string>

namespace sgdns::zone {

class ZoneError : public std::runtime_error {
 public:
  ZoneError(std::string file, int line, const std::string& message)
      : std::runtime_error(file.empty() ? message : file + ":" + std::to_string(line) + ": " + message),
        file_(std::move(file)),
        line_(line) {}
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] int line() const noexcept { return line_; }

 private:
  std::string file_;
  int line_;
};

}  // namespace sgdns::zone
