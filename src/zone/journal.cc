// SPDX-License-Identifier: MIT
// The IXFR journal: bounded history of zone changes, its file form and its checks.
#include "sgdns/zone/journal.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "sgdns/dns/types.h"
#include "sgdns/dns/wire_reader.h"
#include "sgdns/util/file_write.h"
#include "sgdns/zone/error.h"

namespace sgdns::zone {
namespace {

constexpr char kMagic[] = "SGDNS-JOURNAL 1\n";
constexpr std::size_t kMagicLen = sizeof kMagic - 1;
constexpr std::size_t kChangeHeader = 24;  // six u32: from, to, removed count/bytes, added count/bytes

void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(v >> shift));
}

std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

/// FNV-1a: catches a torn or hand-edited file, which is all a checksum here is for.
std::uint64_t fnv(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/// Checks that `bytes` is exactly `count` well-formed records whose first is an SOA with `serial`.
bool well_formed(std::span<const std::uint8_t> bytes, std::uint32_t count, std::uint32_t serial) {
  dns::WireReader r(bytes);
  std::uint8_t name[dns::kMaxNameLen];
  dns::WireReader rdata(std::span<const std::uint8_t>{});
  for (std::uint32_t i = 0; i < count; ++i) {
    // Names are stored uncompressed: a pointer here is a damaged file.
    (void)r.name(name, false);
    const std::uint8_t* fixed = r.group<10>();  // TYPE, CLASS, TTL, RDLENGTH
    if (!fixed) return false;
    rdata = r.sub(dns::load_u16(fixed + 8));
    if (!r.ok()) return false;
    if (i == 0) {
      // The SOA's serial opens the 20 bytes of its fixed fields at the RDATA's end.
      if (dns::load_u16(fixed) != dns::rrtype::kSOA || rdata.available() < 22) return false;
      rdata.skip(rdata.available() - 20);
      if (rdata.u32() != serial) return false;
    }
  }
  return r.at_end() && count > 0;
}

}  // namespace

std::vector<const JournalChange*> Journal::since(std::uint32_t serial) const {
  std::vector<const JournalChange*> chain;
  std::size_t i = 0;
  while (i < changes_.size() && changes_[i].from != serial) ++i;
  for (; i < changes_.size(); ++i) chain.push_back(&changes_[i]);
  return chain;
}

std::shared_ptr<const Journal> Journal::with(JournalChange change, const JournalLimits& limits) const {
  auto next = std::make_shared<Journal>();
  if (change.bytes() > limits.max_bytes || limits.max_changes == 0) return next;
  // A change that does not continue the newest one (the serial jumped, or went backwards and forwards)
  // starts the history over: an old chain could no longer lead to the current version.
  const bool continues = !changes_.empty() && changes_.back().to == change.from;
  if (continues) next->changes_ = changes_;
  next->changes_.push_back(std::move(change));
  std::size_t total = 0;
  for (const auto& c : next->changes_) total += c.bytes();
  std::size_t drop = 0;
  while (next->changes_.size() - drop > limits.max_changes || total > limits.max_bytes) {
    total -= next->changes_[drop].bytes();
    ++drop;
  }
  next->changes_.erase(next->changes_.begin(), next->changes_.begin() + static_cast<std::ptrdiff_t>(drop));
  next->bytes_ = total;
  return next;
}

std::string Journal::serialize() const {
  std::string out(kMagic, kMagicLen);
  for (const JournalChange& c : changes_) {
    std::string entry;
    put32(entry, c.from);
    put32(entry, c.to);
    put32(entry, c.removed_count);
    put32(entry, static_cast<std::uint32_t>(c.removed.size()));
    put32(entry, c.added_count);
    put32(entry, static_cast<std::uint32_t>(c.added.size()));
    entry.append(c.removed.begin(), c.removed.end());
    entry.append(c.added.begin(), c.added.end());
    const std::uint64_t sum = fnv(reinterpret_cast<const std::uint8_t*>(entry.data()), entry.size());
    put32(entry, static_cast<std::uint32_t>(sum >> 32));
    put32(entry, static_cast<std::uint32_t>(sum));
    out += entry;
  }
  return out;
}

std::shared_ptr<const Journal> Journal::parse(std::span<const std::uint8_t> bytes, const std::string& path) {
  auto j = std::make_shared<Journal>();
  if (bytes.size() < kMagicLen || std::memcmp(bytes.data(), kMagic, kMagicLen) != 0)
    throw ZoneError(path, 0, "not an sgdns journal (bad header)");
  std::size_t pos = kMagicLen;
  while (pos < bytes.size()) {
    const std::string at = "change " + std::to_string(j->changes_.size() + 1) + ": ";
    if (bytes.size() - pos < kChangeHeader) throw ZoneError(path, 0, at + "truncated");
    const std::uint8_t* h = bytes.data() + pos;
    JournalChange c;
    c.from = get32(h);
    c.to = get32(h + 4);
    c.removed_count = get32(h + 8);
    const std::size_t removed_len = get32(h + 12);
    c.added_count = get32(h + 16);
    const std::size_t added_len = get32(h + 20);
    const std::size_t body = kChangeHeader + removed_len + added_len;
    if (bytes.size() - pos < body + 8 || removed_len > bytes.size() || added_len > bytes.size())
      throw ZoneError(path, 0, at + "truncated");
    const std::uint64_t sum = (std::uint64_t{get32(h + body)} << 32) | get32(h + body + 4);
    if (fnv(h, body) != sum) throw ZoneError(path, 0, at + "checksum mismatch");
    std::span<const std::uint8_t> removed(h + kChangeHeader, removed_len);
    std::span<const std::uint8_t> added(h + kChangeHeader + removed_len, added_len);
    if (!well_formed(removed, c.removed_count, c.from) || !well_formed(added, c.added_count, c.to))
      throw ZoneError(path, 0, at + "malformed records");
    if (!j->changes_.empty() && j->changes_.back().to != c.from)
      throw ZoneError(path, 0, at + "does not follow the change before it");
    c.removed.assign(removed.begin(), removed.end());
    c.added.assign(added.begin(), added.end());
    j->bytes_ += c.bytes();
    j->changes_.push_back(std::move(c));
    pos += body + 8;
  }
  return j;
}

std::shared_ptr<const Journal> Journal::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::make_shared<Journal>();
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse(bytes, path);
}

void Journal::write(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  // Renamed only once on disk: a crash leaves the old journal or the new one, never half of one.
  util::write_synced(tmp, serialize());
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": " + std::strerror(errno));
}

}  // namespace sgdns::zone
