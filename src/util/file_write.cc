// SPDX-License-Identifier: MIT
// Durable file writes: all bytes, then fsync.
#include "sgdns/util/file_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sgdns::util {

void write_all(int fd, std::string_view text, const std::string& path) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(path + ": write: " + std::strerror(n < 0 ? errno : EIO));
    off += static_cast<std::size_t>(n);
  }
}

void write_synced(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  try {
    write_all(fd, text, path);
    if (::fsync(fd) != 0) throw std::runtime_error(path + ": fsync: " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw std::runtime_error(path + ": close: " + std::strerror(errno));
}

}  // namespace sgdns::util
