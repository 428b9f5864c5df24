// SPDX-License-Identifier: MIT
// Writer: builds a DNS message into a caller-owned buffer, with name compression and whole-RRset rollback.
//
// The writer never allocates. Sections must be written in order (question, answer, authority, additional);
// the caller marks before an RRset and rolls back when it did not fit, which is how truncation keeps whole
// RRsets (RFC 2181 section 9).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sgdns::dns {

enum class Section : std::uint8_t { Question = 0, Answer = 1, Authority = 2, Additional = 3 };

class Writer {
 public:
  /// Compression targets remembered per message. A typical answer names a handful of owners and targets;
  /// 96 label offsets cover a full 1232-byte referral, and past that names are simply written uncompressed.
  static constexpr std::size_t kMaxCompressionTargets = 96;
  /// 255 bytes allow at most 127 one-byte labels and the root.
  static constexpr std::size_t kMaxLabels = 128;

  struct Mark {
    std::size_t pos;
    std::array<std::uint16_t, 4> counts;
    std::size_t ncomp;
    Section section;
  };

  Writer(std::uint8_t* buf, std::size_t capacity) noexcept;

  /// Bytes the message may grow to (the payload limit minus what is reserved for OPT). Never above capacity.
  void set_limit(std::size_t limit) noexcept;
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
  [[nodiscard]] std::size_t size() const noexcept { return pos_; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return buf_; }
  [[nodiscard]] std::uint16_t count(Section s) const noexcept { return counts_[static_cast<int>(s)]; }

  /// Writes the 12-byte header with zero counts; counts are filled in by finish().
  void begin(std::uint16_t id, std::uint16_t flags) noexcept;
  void set_flags(std::uint16_t flags) noexcept;
  [[nodiscard]] std::uint16_t flags() const noexcept;
  /// Moves to a later section; RRs written from now on count there.
  void begin_section(Section s) noexcept { section_ = s; }

  /// Question entry. `qname` is written as given (the client's case) and becomes a compression target.
  [[nodiscard]] bool put_question(const std::uint8_t* qname, std::uint16_t qtype,
                                  std::uint16_t qclass) noexcept;

  /// A name, compressed against names already written.
  [[nodiscard]] bool put_name(const std::uint8_t* name) noexcept;
  /// A name written without compression and not registered as a target (RFC 3597 types, DNAME, SRV).
  [[nodiscard]] bool put_name_uncompressed(const std::uint8_t* name) noexcept;
  // Inline: the EDNS and ECS echo are a dozen of these per reply.
  [[nodiscard]] bool put_u8(std::uint8_t v) noexcept {
    if (!room(1)) return false;
    buf_[pos_++] = v;
    return true;
  }
  [[nodiscard]] bool put_u16(std::uint16_t v) noexcept {
    if (!room(2)) return false;
    buf_[pos_] = static_cast<std::uint8_t>(v >> 8);
    buf_[pos_ + 1] = static_cast<std::uint8_t>(v);
    pos_ += 2;
    return true;
  }
  [[nodiscard]] bool put_u32(std::uint32_t v) noexcept {
    return room(4) && put_u16(static_cast<std::uint16_t>(v >> 16)) && put_u16(static_cast<std::uint16_t>(v));
  }
  [[nodiscard]] bool put_bytes(const std::uint8_t* p, std::size_t n) noexcept {
    if (!room(n)) return false;
    if (n != 0) std::memcpy(buf_ + pos_, p, n);
    pos_ += n;
    return true;
  }

  /// One resource record: owner, type, class, TTL and RDATA in uncompressed wire form; names inside the
  /// RDATA of RFC 1035 types (NS, CNAME, PTR, MX, SOA) are compressed. Counts it in the current section.
  /// On failure the writer is left where it was before the call.
  [[nodiscard]] bool put_rr(const std::uint8_t* owner, std::uint16_t type, std::uint16_t rclass,
                            std::uint32_t ttl, const std::uint8_t* rdata, std::uint16_t rdlen) noexcept;

  /// Opens an RR whose RDATA the caller writes (OPT); close_rr() patches RDLENGTH and counts it.
  [[nodiscard]] bool open_rr(const std::uint8_t* owner, std::uint16_t type, std::uint16_t rclass,
                             std::uint32_t ttl) noexcept;
  void close_rr() noexcept;

  [[nodiscard]] Mark mark() const noexcept { return Mark{pos_, counts_, ncomp_, section_}; }
  void rollback(const Mark& m) noexcept;

  /// Patches the section counts into the header; returns the message length.
  std::size_t finish() noexcept;

 private:
  [[nodiscard]] bool room(std::size_t n) const noexcept { return pos_ + n <= limit_; }
  [[nodiscard]] bool suffix_matches(const std::uint8_t* suffix, std::size_t target) const noexcept;
  /// Registers the first `nlabels` label starts of a name of wire length `len`, about to be written at pos_,
  /// as targets.
  void add_targets(const std::array<std::uint8_t, kMaxLabels>& starts, std::size_t nlabels,
                   std::size_t len) noexcept;
  /// Computes the keys of targets added since the last call. Lazily: most answers never compress a name
  /// other than the question, which needs no key.
  void key_targets() noexcept;
  [[nodiscard]] bool put_pointer(std::size_t target) noexcept;
  [[nodiscard]] bool put_rdata(std::uint16_t type, const std::uint8_t* rdata, std::uint16_t rdlen) noexcept;

  std::uint8_t* buf_;
  std::size_t cap_;
  std::size_t limit_;
  std::size_t pos_ = 0;
  std::array<std::uint16_t, 4> counts_{};
  Section section_ = Section::Question;
  // Left uninitialised on purpose: only the first ncomp_ entries are ever read, and zeroing 600 bytes per
  // message showed up in the profile.
  std::array<std::uint16_t, kMaxCompressionTargets> comp_;
  std::array<std::uint8_t, kMaxCompressionTargets> comp_len_;   // wire length of the name at each target
  std::array<std::uint32_t, kMaxCompressionTargets> comp_key_;  // name_key() of targets [0, keyed_)
  std::size_t ncomp_ = 0;
  std::size_t keyed_ = 0;
  std::size_t question_end_ = 0;  // where the question name written at the header's end stops; 0: none
  std::size_t rdlen_pos_ = 0;
};

}  // namespace sgdns::dns
