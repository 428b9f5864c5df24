// SPDX-License-Identifier: MIT
// ZoneError: a zone that cannot be served, with the file and line that made it so ("file:line: why"), or
// the file alone when no one line is to blame ("file: why": a missing SOA, a file that cannot be opened).
#pragma once
#include <stdexcept>
#include <string>

namespace sgdns::zone {

class ZoneError : public std::runtime_error {
 public:
  /// `line` 0: the file as a whole.
  ZoneError(std::string file, int line, const std::string& message)
      : std::runtime_error(file.empty() ? message
                           : line <= 0  ? file + ": " + message
                                        : file + ":" + std::to_string(line) + ": " + message),
        file_(std::move(file)),
        line_(line) {}
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] int line() const noexcept { return line_; }

 private:
  std::string file_;
  int line_;
};

}  // namespace sgdns::zone
