// SPDX-License-Identifier: MIT
// Message writer: bounded appends, RFC 1035 section 4.1.4 name compression and mark/rollback of whole RRs.
#include "sgdns/dns/writer.h"

#include <algorithm>
#include <cstring>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

namespace sgdns::dns {
namespace {

// A compression pointer holds a 14-bit offset, so labels at or past this offset cannot be targets.
constexpr std::size_t kMaxPointerTarget = 0x4000;
constexpr std::size_t kMaxLabels = Writer::kMaxLabels;
constexpr std::size_t kRrFixedSize = 10;   // type, class, TTL, RDLENGTH after the owner
constexpr std::size_t kSoaFixedSize = 20;  // serial, refresh, retry, expire, minimum

void store_u16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

/// Label start offsets of a well-formed wire name (root excluded) and its length; false when the name
/// runs past 255 bytes, which only a caller bug could produce, so such a name is refused rather than read on.
bool split_labels(const std::uint8_t* name, std::array<std::uint8_t, kMaxLabels>& starts,
                  std::size_t& nlabels, std::size_t& len) noexcept {
  std::size_t pos = 0;
  nlabels = 0;
  while (name[pos] != 0) {
    if (name[pos] > 63 || nlabels == kMaxLabels) return false;
    starts[nlabels++] = static_cast<std::uint8_t>(pos);
    pos += 1 + name[pos];
    if (pos >= kMaxNameLen) return false;
  }
  len = pos + 1;
  return true;
}

/// Length of a well-formed uncompressed name lying entirely within [p, end); 0 when it does not.
std::size_t bounded_name_length(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  std::size_t pos = 0;
  const auto avail = static_cast<std::size_t>(end - p);
  while (pos < avail) {
    const std::uint8_t len = p[pos];
    if (len == 0) return pos + 1 <= kMaxNameLen ? pos + 1 : 0;
    if (len > 63) return 0;
    pos += 1 + len;
  }
  return 0;
}

/// A cheap fingerprint of a name: its wire length, its first label's length and that label's first and last
/// letters, case-folded. Equal names always have equal keys, so only targets whose key matches need the
/// byte-by-byte comparison; in a typical answer that is the one target that matches.
std::uint32_t name_key(std::size_t len, std::uint8_t first_len, std::uint8_t first,
                       std::uint8_t last) noexcept {
  return static_cast<std::uint32_t>(len) | (std::uint32_t{first_len} << 8) |
         (std::uint32_t{ascii_lower(first)} << 16) | (std::uint32_t{ascii_lower(last)} << 24);
}

}  // namespace

Writer::Writer(std::uint8_t* buf, std::size_t capacity) noexcept
    : buf_(buf), cap_(capacity), limit_(capacity) {}

void Writer::set_limit(std::size_t limit) noexcept {
  limit_ = std::min(limit, cap_);
}

void Writer::begin(std::uint16_t id, std::uint16_t flags) noexcept {
  counts_ = {};
  ncomp_ = keyed_ = 0;
  question_end_ = 0;
  section_ = Section::Question;
  rdlen_pos_ = 0;
  if (cap_ < kHeaderSize) {
    // No room for even a header: make every later put fail instead of writing past the buffer.
    pos_ = 0;
    limit_ = 0;
    return;
  }
  store_u16(buf_, id);
  store_u16(buf_ + 2, flags);
  std::memset(buf_ + 4, 0, 8);
  pos_ = kHeaderSize;
}

void Writer::set_flags(std::uint16_t flags) noexcept {
  if (cap_ >= kHeaderSize) store_u16(buf_ + 2, flags);
}

std::uint16_t Writer::flags() const noexcept {
  if (cap_ < kHeaderSize) return 0;
  return static_cast<std::uint16_t>((buf_[2] << 8) | buf_[3]);
}

bool Writer::put_question(const std::uint8_t* qname, std::uint16_t qtype, std::uint16_t qclass) noexcept {
  std::array<std::uint8_t, kMaxLabels> starts;
  std::size_t nlabels = 0;
  std::size_t len = 0;
  if (!split_labels(qname, starts, nlabels, len)) return false;
  if (!room(len + 4)) return false;
  // Written verbatim rather than compressed so the client sees exactly the letter case it sent.
  std::memcpy(buf_ + pos_, qname, len);
  if (pos_ == kHeaderSize && nlabels != 0) question_end_ = pos_ + len;
  add_targets(starts, nlabels, len);
  pos_ += len;
  store_u16(buf_ + pos_, qtype);
  store_u16(buf_ + pos_ + 2, qclass);
  pos_ += 4;
  ++counts_[static_cast<int>(Section::Question)];
  return true;
}

bool Writer::suffix_matches(const std::uint8_t* suffix, std::size_t target) const noexcept {
  std::size_t p = target;
  // Pointers in our own buffer only ever point backwards, but bound the walk anyway: a name has at most
  // 128 labels and each may be reached through one pointer.
  for (int steps = 0; steps < 2 * static_cast<int>(kMaxLabels) + 2; ++steps) {
    if (p >= pos_) return false;
    const std::uint8_t len = buf_[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= pos_) return false;
      const std::size_t next = (static_cast<std::size_t>(len & 0x3F) << 8) | buf_[p + 1];
      if (next >= p) return false;
      p = next;
      continue;
    }
    if (len != *suffix) return false;
    if (len == 0) return true;
    if (p + 1 + len > pos_) return false;
    // Zone data is usually lowercase already: an exact comparison settles most labels in one call.
    const std::uint8_t* written = buf_ + p + 1;
    if (std::memcmp(written, suffix + 1, len) != 0) {
      for (std::size_t i = 0; i < len; ++i) {
        if (ascii_lower(written[i]) != ascii_lower(suffix[1 + i])) return false;
      }
    }
    p += 1 + len;
    suffix += 1 + len;
  }
  return false;
}

void Writer::add_targets(const std::array<std::uint8_t, kMaxLabels>& starts, std::size_t nlabels,
                         std::size_t len) noexcept {
  for (std::size_t i = 0; i < nlabels; ++i) {
    const std::size_t at = pos_ + starts[i];
    if (at >= kMaxPointerTarget || ncomp_ == kMaxCompressionTargets) return;
    comp_[ncomp_] = static_cast<std::uint16_t>(at);
    comp_len_[ncomp_++] = static_cast<std::uint8_t>(len - starts[i]);
  }
}

void Writer::key_targets() noexcept {
  // Every target starts a label written out in full, so its first label is in the buffer.
  for (; keyed_ < ncomp_; ++keyed_) {
    const std::uint8_t* label = buf_ + comp_[keyed_];
    comp_key_[keyed_] = name_key(comp_len_[keyed_], label[0], label[1], label[label[0]]);
  }
}

bool Writer::put_pointer(std::size_t target) noexcept {
  if (!room(2)) return false;
  store_u16(buf_ + pos_, static_cast<std::uint16_t>(0xC000 | target));
  pos_ += 2;
  return true;
}

bool Writer::put_name(const std::uint8_t* name) noexcept {
  // The root (every OPT record's owner) is one byte: shorter than any pointer, nothing to search for.
  if (name[0] == 0) return put_u8(0);
  std::array<std::uint8_t, kMaxLabels> starts;
  std::size_t nlabels = 0;
  std::size_t len = 0;
  if (!split_labels(name, starts, nlabels, len)) return false;
  // The owner of most answers is the question name, byte for byte: one comparison instead of a search.
  if (len == question_end_ - kHeaderSize && std::memcmp(name, buf_ + kHeaderSize, len) == 0)
    return put_pointer(kHeaderSize);

  // Longest suffix first: the earliest match saves the most bytes.
  std::size_t literal = len;  // bytes copied from `name` (everything when nothing matches)
  std::size_t literal_labels = nlabels;
  std::size_t pointer_target = 0;
  bool found = false;
  key_targets();
  for (std::size_t i = 0; i < nlabels && !found; ++i) {
    const std::uint8_t* suffix = name + starts[i];
    const std::uint32_t key = name_key(len - starts[i], suffix[0], suffix[1], suffix[suffix[0]]);
    for (std::size_t j = 0; j < ncomp_; ++j) {
      if (comp_key_[j] == key && suffix_matches(name + starts[i], comp_[j])) {
        literal = starts[i];
        literal_labels = i;
        pointer_target = comp_[j];
        found = true;
        break;
      }
    }
  }

  const std::size_t need = literal + (found ? 2 : 0);
  if (!room(need)) return false;
  std::memcpy(buf_ + pos_, name, literal);
  add_targets(starts, literal_labels, len);
  pos_ += literal;
  return !found || put_pointer(pointer_target);
}

bool Writer::put_name_uncompressed(const std::uint8_t* name) noexcept {
  std::array<std::uint8_t, kMaxLabels> starts;
  std::size_t nlabels = 0;
  std::size_t len = 0;
  if (!split_labels(name, starts, nlabels, len)) return false;
  return put_bytes(name, len);
}

bool Writer::put_rdata(std::uint16_t type, const std::uint8_t* rdata, std::uint16_t rdlen) noexcept {
  const std::uint8_t* end = rdata + rdlen;
  // Only the RFC 1035 types may be compressed (RFC 3597 section 4). RDATA that does not have the shape its
  // type promises is copied verbatim rather than guessed at.
  switch (type) {
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
      if (rdlen != 0 && bounded_name_length(rdata, end) == rdlen) return put_name(rdata);
      break;
    case rrtype::kMX:
      if (rdlen > 2 && bounded_name_length(rdata + 2, end) == rdlen - 2u) {
        return put_bytes(rdata, 2) && put_name(rdata + 2);
      }
      break;
    case rrtype::kSOA: {
      const std::size_t mname = bounded_name_length(rdata, end);
      if (mname == 0) break;
      const std::size_t rname = bounded_name_length(rdata + mname, end);
      if (rname == 0 || mname + rname + kSoaFixedSize != rdlen) break;
      return put_name(rdata) && put_name(rdata + mname) && put_bytes(rdata + mname + rname, kSoaFixedSize);
    }
    default:
      break;
  }
  return put_bytes(rdata, rdlen);
}

bool Writer::put_rr(const std::uint8_t* owner, std::uint16_t type, std::uint16_t rclass, std::uint32_t ttl,
                    const std::uint8_t* rdata, std::uint16_t rdlen) noexcept {
  const Mark before = mark();
  if (!open_rr(owner, type, rclass, ttl) || !put_rdata(type, rdata, rdlen)) {
    rollback(before);
    return false;
  }
  // Compression can only shrink the RDATA, so the written length always fits in 16 bits.
  close_rr();
  return true;
}

bool Writer::open_rr(const std::uint8_t* owner, std::uint16_t type, std::uint16_t rclass,
                     std::uint32_t ttl) noexcept {
  const Mark before = mark();
  if (!put_name(owner) || !room(kRrFixedSize)) {
    rollback(before);
    return false;
  }
  store_u16(buf_ + pos_, type);
  store_u16(buf_ + pos_ + 2, rclass);
  store_u16(buf_ + pos_ + 4, static_cast<std::uint16_t>(ttl >> 16));
  store_u16(buf_ + pos_ + 6, static_cast<std::uint16_t>(ttl));
  store_u16(buf_ + pos_ + 8, 0);
  rdlen_pos_ = pos_ + 8;
  pos_ += kRrFixedSize;
  return true;
}

void Writer::close_rr() noexcept {
  // rdlen_pos_ is 0 when no RR is open (a real RDLENGTH field always follows the 12-byte header).
  if (rdlen_pos_ == 0 || rdlen_pos_ + 2 > pos_) return;
  store_u16(buf_ + rdlen_pos_, static_cast<std::uint16_t>(pos_ - rdlen_pos_ - 2));
  ++counts_[static_cast<int>(section_)];
  rdlen_pos_ = 0;
}

void Writer::rollback(const Mark& m) noexcept {
  pos_ = m.pos;
  if (pos_ < question_end_) question_end_ = 0;
  counts_ = m.counts;
  ncomp_ = m.ncomp;
  keyed_ = std::min(keyed_, ncomp_);
  section_ = m.section;
  if (rdlen_pos_ + 2 > pos_) rdlen_pos_ = 0;  // the open RR was rolled back with everything after the mark
}

std::size_t Writer::finish() noexcept {
  if (pos_ < kHeaderSize) return pos_;
  for (int i = 0; i < 4; ++i) store_u16(buf_ + 4 + 2 * i, counts_[i]);
  return pos_;
}

}  // namespace sgdns::dns
