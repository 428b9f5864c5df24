// SPDX-License-Identifier: MIT
// Direct parsing of owner names and common RDATA (see common_rdata.h for what is accepted and why).
#include "common_rdata.h"

#include <arpa/inet.h>

#include <cstring>

#include "sgdns/dns/types.h"

namespace sgdns::zone::detail {
namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxWire = 255;

bool is_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '*';
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool equals_upper(std::string_view token, std::string_view word) {
  if (token.size() != word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (upper(token[i]) != word[i]) return false;
  }
  return true;
}

/// A decimal number of at most five digits, up to 65535.
bool parse_u16(std::string_view text, std::uint16_t& value) {
  if (text.empty() || text.size() > 5) return false;
  std::uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v > 0xFFFF) return false;
  value = static_cast<std::uint16_t>(v);
  return true;
}

bool append_address(const std::string& token, int family, Bytes& out) {
  std::uint8_t bytes[16];
  if (token.empty() || token.front() == '"' || ::inet_pton(family, token.c_str(), bytes) != 1) return false;
  out.insert(out.end(), bytes, bytes + (family == AF_INET ? 4 : 16));
  return true;
}

}  // namespace

bool plain_name(std::string_view token, const Bytes& origin, Bytes& out) {
  out.clear();
  if (token == "@") {
    out = origin;
    return true;
  }
  if (token.empty() || token == ".") return false;  // the root: rare, left to the general path
  std::size_t label_start = 0;
  out.push_back(0);
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    if (c == '.') {
      const std::size_t len = out.size() - label_start - 1;
      if (len == 0 || len > kMaxLabel) return false;
      out[label_start] = static_cast<std::uint8_t>(len);
      if (i + 1 == token.size()) {  // absolute
        out.push_back(0);
        return out.size() <= kMaxWire;
      }
      label_start = out.size();
      out.push_back(0);
      continue;
    }
    if (!is_plain(c)) return false;
    out.push_back(static_cast<std::uint8_t>(c));
  }
  const std::size_t len = out.size() - label_start - 1;
  if (len == 0 || len > kMaxLabel) return false;
  out[label_start] = static_cast<std::uint8_t>(len);
  out.insert(out.end(), origin.begin(), origin.end());
  return out.size() <= kMaxWire;
}

bool parse_common_rdata(const std::vector<std::string>& tokens, const RecordHead& head, const Bytes& origin,
                        Bytes& out) {
  out.clear();
  const std::size_t count = tokens.size() - head.rdata_begin;
  const std::string* rdata = tokens.data() + head.rdata_begin;
  namespace rrtype = dns::rrtype;
  switch (head.type) {
    case rrtype::kA:
      return count == 1 && append_address(rdata[0], AF_INET, out);
    case rrtype::kAAAA:
      return count == 1 && append_address(rdata[0], AF_INET6, out);
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
      return count == 1 && plain_name(rdata[0], origin, out);
    case rrtype::kMX: {
      std::uint16_t preference = 0;
      Bytes name;
      if (count != 2 || !parse_u16(rdata[0], preference) || !plain_name(rdata[1], origin, name)) return false;
      out.push_back(static_cast<std::uint8_t>(preference >> 8));
      out.push_back(static_cast<std::uint8_t>(preference));
      out.insert(out.end(), name.begin(), name.end());
      return true;
    }
    default:
      return false;
  }
}

std::optional<std::uint16_t> common_type(std::string_view token) {
  namespace rrtype = dns::rrtype;
  static constexpr std::pair<std::string_view, std::uint16_t> kTypes[] = {
      {"A", rrtype::kA},     {"AAAA", rrtype::kAAAA}, {"CNAME", rrtype::kCNAME},
      {"NS", rrtype::kNS},   {"MX", rrtype::kMX},     {"TXT", rrtype::kTXT},
      {"PTR", rrtype::kPTR}, {"SOA", rrtype::kSOA},   {"SRV", rrtype::kSRV}};
  for (const auto& [name, code] : kTypes) {
    if (equals_upper(token, name)) return code;
  }
  return std::nullopt;
}

bool is_class_in(std::string_view token) {
  return equals_upper(token, "IN");
}

}  // namespace sgdns::zone::detail
