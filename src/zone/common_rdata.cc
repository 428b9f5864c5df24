// SPDX-License-Identifier: MIT
// Direct parsing of owner names and common RDATA (see common_rdata.h for what is accepted and why).
#include "common_rdata.h"

#include <algorithm>

#include "sgdns/dns/address.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

namespace sgdns::zone::detail {
namespace {

bool is_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '*';
}

bool append_address(const std::string& token, int family, Bytes& out) {
  dns::IpAddress ip;
  if (!dns::parse_ip(token, ip) || ip.family != family) return false;
  out.insert(out.end(), ip.bytes, ip.bytes + ip.size());
  return true;
}

}  // namespace

bool plain_name(std::string_view token, const Bytes& origin, Bytes& out) {
  if (token == "@") {
    out = origin;
    return true;
  }
  // The root and anything with escapes or quotes are left to the general path.
  if (token.empty() || token == "." ||
      !std::all_of(token.begin(), token.end(), [](char c) { return c == '.' || is_plain(c); })) {
    return false;
  }
  if (!dns::name_from_text(token, out)) return false;  // empty or long label, over 255 bytes
  if (token.back() != '.') {                           // relative: the origin replaces the root label
    out.pop_back();
    out.insert(out.end(), origin.begin(), origin.end());
  }
  return out.size() <= dns::kMaxNameLen;
}

bool parse_common_rdata(const std::vector<std::string>& tokens, const RecordHead& head, const Bytes& origin,
                        Bytes& out) {
  out.clear();
  const std::size_t count = tokens.size() - head.rdata_begin;
  const std::string* rdata = tokens.data() + head.rdata_begin;
  namespace rrtype = dns::rrtype;
  switch (head.type) {
    case rrtype::kA:
      return count == 1 && append_address(rdata[0], 4, out);
    case rrtype::kAAAA:
      return count == 1 && append_address(rdata[0], 6, out);
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
      return count == 1 && plain_name(rdata[0], origin, out);
    case rrtype::kMX: {
      const auto preference = count == 2 ? parse_decimal(rdata[0], 0xFFFF) : std::nullopt;
      Bytes name;
      if (!preference || !plain_name(rdata[1], origin, name)) return false;
      out.push_back(static_cast<std::uint8_t>(*preference >> 8));
      out.push_back(static_cast<std::uint8_t>(*preference));
      out.insert(out.end(), name.begin(), name.end());
      return true;
    }
    default:
      return false;
  }
}

}  // namespace sgdns::zone::detail
