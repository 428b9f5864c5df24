// SPDX-License-Identifier: MIT
// Scratch directories and small file helpers for tests that run real processes.
#pragma once

#include <string>

namespace sgdns::test {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Absolute path of `name` inside the directory.
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to `name` inside the directory and returns its absolute path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Writes atomically (temp file + rename) so a server reloading concurrently never sees half a file.
void write_file(const std::string& path, const std::string& content);
// Returns the file's content, or "" when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace sgdns::test
