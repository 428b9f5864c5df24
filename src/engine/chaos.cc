// SPDX-License-Identifier: MIT
// CHAOS-class identity answers (the de-facto convention of BIND, NSD and Knot).
#include <algorithm>
#include <cstring>
#include <string_view>

#include "sgdns/dns/types.h"
#include "special.h"

namespace sgdns::engine {
namespace {

bool is(const std::uint8_t* lname, std::string_view label1, std::string_view label2) noexcept {
  if (lname[0] != label1.size() || std::memcmp(lname + 1, label1.data(), label1.size()) != 0) return false;
  const std::uint8_t* rest = lname + 1 + lname[0];
  return rest[0] == label2.size() && std::memcmp(rest + 1, label2.data(), label2.size()) == 0 &&
         rest[1 + rest[0]] == 0;
}

}  // namespace

std::uint16_t answer_chaos(const Options& options, const dns::Query& q, dns::Writer& w, bool& aa) noexcept {
  aa = false;
  if (!options.chaos_enabled) return dns::rcode::kRefused;
  const std::string* text = nullptr;
  if (is(q.lqname, "version", "bind") || is(q.lqname, "version", "server")) {
    text = &options.chaos_version;
  } else if (is(q.lqname, "id", "server") || is(q.lqname, "hostname", "bind")) {
    // Never the host name by default: it tells the world the machine's internal name.
    text = !options.chaos_identity.empty() ? &options.chaos_identity : &options.nsid;
  }
  if (!text || text->empty()) return dns::rcode::kRefused;
  aa = true;
  if (q.qtype != dns::rrtype::kTXT && q.qtype != dns::rrtype::kANY) return dns::rcode::kNoError;
  std::uint8_t rdata[256];
  std::size_t len = std::min<std::size_t>(text->size(), 255);
  rdata[0] = static_cast<std::uint8_t>(len);
  std::memcpy(rdata + 1, text->data(), len);
  w.begin_section(dns::Section::Answer);
  if (!w.put_rr(q.qname, dns::rrtype::kTXT, dns::rrclass::kCH, 0, rdata, static_cast<std::uint16_t>(len + 1)))
    return dns::rcode::kServFail;
  return dns::rcode::kNoError;
}

}  // namespace sgdns::engine
