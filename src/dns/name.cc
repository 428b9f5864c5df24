// SPDX-License-Identifier: MIT
// Wire-format domain names: bounded decompression from packets, case folding, comparison and text form.
#include "sgdns/dns/name.h"

#include <cstring>
#include <stdexcept>

#include "sgdns/dns/types.h"

namespace sgdns::dns {
namespace {

constexpr std::uint8_t kLabelTypeMask = 0xC0;
constexpr std::uint8_t kPointerType = 0xC0;
constexpr std::size_t kMaxLabelLen = 63;

constexpr bool is_plain_char(std::uint8_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '*';  // wildcards read as in zone files and logs
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

std::size_t read_name(std::span<const std::uint8_t> pkt, std::size_t& off, std::uint8_t* out,
                      bool allow_compression) noexcept {
  // The root (the owner of every OPT record) is one zero byte: no walk.
  if (off < pkt.size() && pkt[off] == 0) {
    out[0] = 0;
    ++off;
    return 1;
  }
  std::size_t pos = off;
  // Every pointer must land before the piece of name it was found in, so each jump strictly decreases
  // this bound and the walk terminates even on hostile input.
  std::size_t piece_start = off;
  std::size_t resume = 0;  // where the caller continues once a pointer has been followed
  bool jumped = false;
  std::size_t out_len = 0;
  // Labels are validated one by one but copied a piece at a time (up to a pointer or the root): one
  // memcpy per piece, which for a query's question is the whole name.
  std::size_t copy_to = 0;
  const auto copy_piece = [&] { std::memcpy(out + copy_to, pkt.data() + piece_start, out_len - copy_to); };

  while (true) {
    if (pos >= pkt.size()) return 0;
    const std::uint8_t len = pkt[pos];
    const std::uint8_t type = len & kLabelTypeMask;
    if (type == kPointerType) {
      if (!allow_compression || pos + 1 >= pkt.size()) return 0;
      const std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | pkt[pos + 1];
      if (target >= piece_start) return 0;
      if (!jumped) {
        resume = pos + 2;
        jumped = true;
      }
      copy_piece();
      copy_to = out_len;
      piece_start = target;
      pos = target;
      continue;
    }
    if (type != 0) return 0;  // 0x40 (extended) and 0x80 label types are not in use
    if (len == 0) {
      copy_piece();
      out[out_len++] = 0;
      off = jumped ? resume : pos + 1;
      return out_len;
    }
    // Keep one byte for the root label so the finished name stays within 255 bytes.
    if (out_len + 1 + len + 1 > kMaxNameLen) return 0;
    if (pos + 1 + len > pkt.size()) return 0;
    out_len += 1 + static_cast<std::size_t>(len);
    pos += 1 + static_cast<std::size_t>(len);
  }
}

std::size_t name_length(const std::uint8_t* name) noexcept {
  const std::uint8_t* p = name;
  while (*p != 0) p += 1 + *p;
  return static_cast<std::size_t>(p - name) + 1;
}

void name_to_lower(std::uint8_t* name, std::size_t len) noexcept {
  // Length bytes are at most 63, below 'A', so folding every byte leaves them alone; one flat loop over
  // the buffer is what the compiler can vectorise.
  for (std::size_t i = 0; i < len; ++i) name[i] = ascii_lower(name[i]);
}

bool name_equal(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  while (true) {
    const std::uint8_t len = *a;
    if (len != *b) return false;
    if (len == 0) return true;
    for (std::size_t i = 1; i <= len; ++i) {
      if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    a += 1 + len;
    b += 1 + len;
  }
}

int label_count(const std::uint8_t* name) noexcept {
  int count = 0;
  for (const std::uint8_t* p = name; *p != 0; p += 1 + *p) ++count;
  return count;
}

bool is_subdomain(const std::uint8_t* name, const std::uint8_t* zone) noexcept {
  int extra = label_count(name) - label_count(zone);
  if (extra < 0) return false;
  const std::uint8_t* p = name;
  while (extra-- > 0) p += 1 + *p;
  return name_equal(p, zone);
}

std::string name_to_text(const std::uint8_t* name) {
  if (name[0] == 0) return ".";
  std::string text;
  for (const std::uint8_t* p = name; *p != 0; p += 1 + *p) {
    for (std::size_t i = 1; i <= *p; ++i) {
      const std::uint8_t c = p[i];
      if (is_plain_char(c)) {
        text.push_back(static_cast<char>(c));
      } else if (c > 0x20 && c < 0x7F) {
        text.push_back('\\');
        text.push_back(static_cast<char>(c));
      } else {
        // Non-printable bytes use the RFC 1035 \DDD form so the text survives any terminal or log.
        const char digits[] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                               static_cast<char>('0' + c % 10)};
        text.append(digits, sizeof digits);
      }
    }
    text.push_back('.');
  }
  return text;
}

bool name_from_text(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  if (text.empty()) return false;
  if (text == ".") {
    out.push_back(0);
    return true;
  }
  std::size_t label_start = 0;  // index in `out` of the current label's length byte
  out.push_back(0);
  std::size_t i = 0;
  bool absolute = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '.') {
      const std::size_t label_len = out.size() - label_start - 1;
      if (label_len == 0) return false;  // empty label: "a..b", ".a" or a leading dot
      out[label_start] = static_cast<std::uint8_t>(label_len);
      ++i;
      if (i == text.size()) {
        absolute = true;
        break;
      }
      label_start = out.size();
      out.push_back(0);
      continue;
    }
    std::uint8_t byte;
    if (c == '\\') {
      if (i + 1 >= text.size()) return false;
      if (is_digit(text[i + 1])) {
        if (i + 3 >= text.size()) return false;  // \DDD needs exactly three digits
        if (!is_digit(text[i + 2]) || !is_digit(text[i + 3])) return false;
        const int value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (value > 255) return false;
        byte = static_cast<std::uint8_t>(value);
        i += 4;
      } else {
        byte = static_cast<std::uint8_t>(text[i + 1]);
        i += 2;
      }
    } else {
      byte = static_cast<std::uint8_t>(c);
      ++i;
    }
    if (out.size() - label_start - 1 >= kMaxLabelLen) return false;
    out.push_back(byte);
  }
  if (!absolute) {
    const std::size_t label_len = out.size() - label_start - 1;
    if (label_len == 0) return false;
    out[label_start] = static_cast<std::uint8_t>(label_len);
  }
  out.push_back(0);
  return out.size() <= kMaxNameLen;
}

std::vector<std::uint8_t> name_from_text(std::string_view text) {
  std::vector<std::uint8_t> out;
  if (!name_from_text(text, out)) throw std::invalid_argument("not a domain name: " + std::string(text));
  return out;
}

}  // namespace sgdns::dns
