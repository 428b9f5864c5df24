// SPDX-License-Identifier: MIT
// AXFR and IXFR as a client: connect, send the (signed) request, read and verify every message, and sort
// the records into a full zone or IXFR difference sequences (RFC 1995 section 4).
#include "sgdns/net/transfer_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/writer.h"

namespace sgdns::net {
namespace {

std::uint64_t wall_seconds() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

class Socket {
 public:
  explicit Socket(const std::atomic<bool>* stop) : stop_(stop) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  /// Connects within `timeout_ms`; "" or why not.
  std::string connect(const dns::SocketAddress& to, int timeout_ms) {
    fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
    if (::connect(fd_, to.get(), to.length) < 0 && errno != EINPROGRESS)
      return std::string("connect: ") + std::strerror(errno);
    if (!wait(POLLOUT, timeout_ms)) return "connect: no answer within " + std::to_string(timeout_ms) + " ms";
    int err = 0;
    socklen_t len = sizeof err;
    (void)::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return std::string("connect: ") + std::strerror(err);
    return {};
  }
  /// Writes all of `bytes`; "" or why not.
  std::string send_all(std::span<const std::uint8_t> bytes, int timeout_ms) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      if (!wait(POLLOUT, timeout_ms)) return "send: timed out";
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return std::string("send: ") + std::strerror(errno);
      if (n > 0) off += static_cast<std::size_t>(n);
    }
    return {};
  }
  /// Reads exactly `n` bytes into `out`; "" or why not.
  std::string read_exact(std::uint8_t* out, std::size_t n, int timeout_ms) {
    std::size_t off = 0;
    while (off < n) {
      if (!wait(POLLIN, timeout_ms)) return "nothing received for " + std::to_string(timeout_ms) + " ms";
      const ssize_t got = ::recv(fd_, out + off, n - off, 0);
      if (got == 0) return "the primary closed the connection mid-transfer";
      if (got < 0 && errno != EAGAIN && errno != EINTR) return std::string("recv: ") + std::strerror(errno);
      if (got > 0) off += static_cast<std::size_t>(got);
    }
    return {};
  }

 private:
  /// Polls in slices of at most 100 ms, to see `stop_` in time.
  bool wait(short events, int timeout_ms) {
    pollfd p{fd_, events, 0};
    int left = timeout_ms;
    while (left > 0) {
      if (stop_ && stop_->load(std::memory_order_relaxed)) return false;
      const int slice = std::min(left, 100);
      const int r = ::poll(&p, 1, slice);
      if (r < 0 && errno == EINTR) continue;
      if (r != 0) return r > 0;
      left -= slice;
    }
    return false;
  }
  const std::atomic<bool>* stop_;
  int fd_ = -1;
};

}  // namespace

TransferResult transfer_zone(const TransferRequest& request) {
  TransferResult result;
  const bool ixfr = request.soa_rdata.has_value();
  std::uint32_t ours = 0;
  if (ixfr) {
    const auto s = zone::soa_serial(*request.soa_rdata);
    if (!s) {
      result.error = "our SOA is malformed";
      return result;
    }
    ours = *s;
  }
  std::vector<std::uint8_t> origin;
  if (!dns::name_from_text(request.origin, origin)) {
    result.error = "not a domain name: " + request.origin;
    return result;
  }
  // The request: question, our SOA in the authority section for IXFR, then the TSIG record.
  std::vector<std::uint8_t> buf(2 + 4096);
  dns::Writer w(buf.data() + 2, buf.size() - 2);
  std::random_device rd;
  const auto id = static_cast<std::uint16_t>(rd());
  w.begin(id, 0);
  bool ok = w.put_question(origin.data(), ixfr ? dns::rrtype::kIXFR : dns::rrtype::kAXFR, dns::rrclass::kIN);
  if (ixfr) {
    w.begin_section(dns::Section::Authority);
    ok = ok && w.put_rr(origin.data(), dns::rrtype::kSOA, dns::rrclass::kIN, 0, request.soa_rdata->data(),
                        static_cast<std::uint16_t>(request.soa_rdata->size()));
  }
  std::size_t size = w.finish();
  std::vector<std::uint8_t> request_mac;
  if (request.key) {
    dns::TsigSigner signer(*request.key, {});
    size = signer.sign(buf.data() + 2, size, buf.size() - 2, wall_seconds());
    request_mac.assign(signer.mac().begin(), signer.mac().end());
  }
  if (!ok || size == 0) {
    result.error = "the request does not fit in a message";
    return result;
  }
  buf[0] = static_cast<std::uint8_t>(size >> 8);
  buf[1] = static_cast<std::uint8_t>(size);

  Socket sock(request.stop);
  if (auto e = sock.connect(request.primary, request.timeout_ms); !e.empty()) {
    result.error = e;
    return result;
  }
  if (auto e = sock.send_all({buf.data(), size + 2}, request.timeout_ms); !e.empty()) {
    result.error = e;
    return result;
  }
  zone::TransferReader reader(id, ixfr, ours, request.key ? &*request.key : nullptr, request_mac,
                              (ixfr ? "IXFR from " : "AXFR from ") + request.primary.text);
  std::vector<std::uint8_t> msg(dns::kMaxMessage);
  while (!reader.done()) {
    std::uint8_t len[2] = {0, 0};
    std::string e = sock.read_exact(len, 2, request.timeout_ms);
    const std::size_t n = (std::size_t{len[0]} << 8) | len[1];
    if (e.empty()) e = sock.read_exact(msg.data(), n, request.timeout_ms);
    if (!e.empty()) {
      TransferResult& r = reader.result();
      r.kind = TransferResult::Kind::Failed;
      r.error = e;
      return std::move(r);
    }
    if (!reader.feed({msg.data(), n}, wall_seconds())) break;
  }
  return std::move(reader.result());
}

}  // namespace sgdns::net
