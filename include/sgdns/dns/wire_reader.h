// SPDX-License-Identifier: MIT
// WireReader: the one way untrusted bytes are read (queries, EDNS options, TCP frames; NOTIFY, IXFR and
// TSIG later). A bounded cursor whose error is sticky (Knot's wire_ctx, style.md section 8.2): a read
// past the end returns zeros (or nullptr), sets the error and leaves the cursor at the end, so a parser
// reads on and checks ok() once. Fixed-size field groups (a header, a question's type and class, an RR's
// fixed part) are taken whole with group(), bounds-checked once, and decoded with load_u16()/load_u32():
// that is what keeps the query parser as cheap as the hand-written checks it replaced.
//
// Everything is inline and allocation-free: the query parser runs it for every packet.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "sgdns/dns/name.h"

namespace sgdns::dns {

/// Big-endian fields of a group a WireReader handed out (never of unchecked bytes).
[[nodiscard]] inline std::uint16_t load_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
[[nodiscard]] inline std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

class WireReader {
 public:
  /// Reads `bytes`, the whole message: names may point back to anywhere in it.
  explicit WireReader(std::span<const std::uint8_t> bytes) noexcept
      : data_(bytes.data()), end_(bytes.size()) {}

  [[nodiscard]] bool ok() const noexcept { return !error_; }
  /// Bytes left before the end (0 after an error).
  [[nodiscard]] std::size_t available() const noexcept { return end_ - pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == end_; }
  /// Position from the start of the message.
  [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
  /// Marks the input malformed: every later read fails too.
  void fail() noexcept {
    error_ = true;
    pos_ = end_;
  }

  [[nodiscard]] std::uint8_t u8() noexcept {
    const std::uint8_t* p = bytes(1);
    return p ? *p : 0;
  }
  [[nodiscard]] std::uint16_t u16() noexcept {
    const std::uint8_t* p = bytes(2);
    return p ? load_u16(p) : 0;
  }
  [[nodiscard]] std::uint32_t u32() noexcept {
    const std::uint8_t* p = bytes(4);
    return p ? load_u32(p) : 0;
  }
  /// A fixed-size field group: the next `N` bytes, consumed, for load_u16()/load_u32(); nullptr (and the
  /// error) when fewer are left.
  template <std::size_t N>
  [[nodiscard]] const std::uint8_t* group() noexcept {
    return bytes(N);
  }
  /// The next `n` bytes, consumed; nullptr (and the error) when fewer are left.
  [[nodiscard]] const std::uint8_t* bytes(std::size_t n) noexcept {
    if (end_ - pos_ >= n) [[likely]] {
      const std::uint8_t* p = data_ + pos_;
      pos_ += n;
      return p;
    }
    fail();
    return nullptr;
  }
  void skip(std::size_t n) noexcept { (void)bytes(n); }
  /// A reader over the next `n` bytes (an RDATA, an option's body), which this one moves past. Names in it
  /// may still point back into the whole message. Past the end: both readers fail.
  [[nodiscard]] WireReader sub(std::size_t n) noexcept {
    WireReader inner = *this;
    if (bytes(n) == nullptr) {
      inner.fail();
      return inner;
    }
    inner.end_ = pos_;
    return inner;
  }
  /// A domain name at the cursor (dns::read_name: compression only when allowed, pointers only backwards,
  /// at most 255 bytes), uncompressed into `out` (kMaxNameLen bytes). Returns its wire length, or 0 and
  /// the error when it is malformed or runs past this reader's end.
  [[nodiscard]] std::size_t name(std::uint8_t* out, bool allow_compression) noexcept {
    // Through a local: were pos_'s own address passed, the whole reader would have to live in memory.
    std::size_t at = pos_;
    const std::size_t len = read_name({data_, end_}, at, out, allow_compression);
    if (len == 0) [[unlikely]] {
      fail();
      return 0;
    }
    pos_ = at;
    return len;
  }

 private:
  const std::uint8_t* data_;  // the whole message
  std::size_t pos_ = 0;       // the cursor, from data_
  std::size_t end_;           // this reader's end, from data_ (a sub-reader's is before the message's)
  bool error_ = false;
};

/// The fixed part of a resource record (RFC 1035 section 4.1.3) after its owner name.
struct RrHeader {
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;  // for OPT: the requestor's UDP payload size (RFC 6891)
  std::uint32_t ttl = 0;     // for OPT: extended RCODE, version and flags
};

/// Reads one resource record: its owner into `owner` (compression allowed; kMaxNameLen bytes), the
/// fixed part into `header`, and a reader over its RDATA into `rdata`. Returns the owner's length, 0
/// (and the error on `r`) when the record is malformed or runs past the end.
[[nodiscard]] inline std::size_t read_rr(WireReader& r, std::uint8_t* owner, RrHeader& header,
                                         WireReader& rdata) noexcept {
  const std::size_t owner_len = r.name(owner, true);
  const std::uint8_t* fixed = r.group<10>();  // TYPE, CLASS, TTL, RDLENGTH
  if (!fixed) return 0;
  header.type = load_u16(fixed);
  header.rclass = load_u16(fixed + 2);
  header.ttl = load_u32(fixed + 4);
  rdata = r.sub(load_u16(fixed + 8));
  return r.ok() ? owner_len : 0;
}

/// What read_frame() found at the cursor of a TCP stream (RFC 1035 4.2.2 / RFC 7766 8).
enum class FrameStatus : std::uint8_t {
  Complete,    // a whole message; the reader moved past it
  Incomplete,  // its length or body has not all arrived; the reader did not move
  Empty,       // a zero length: no DNS message can be that, the stream is not DNS
};

/// One two-byte-length-prefixed message at the cursor, into `message`.
[[nodiscard]] inline FrameStatus read_frame(WireReader& r, std::span<const std::uint8_t>& message) noexcept {
  if (r.available() < 2) return FrameStatus::Incomplete;
  WireReader peek = r;
  const std::uint16_t len = peek.u16();
  if (len == 0) return FrameStatus::Empty;
  if (peek.available() < len) return FrameStatus::Incomplete;
  message = {peek.bytes(len), len};
  r = peek;
  return FrameStatus::Complete;
}

}  // namespace sgdns::dns
