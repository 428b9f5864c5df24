// SPDX-License-Identifier: MIT
// DNS Cookies on the query path: a valid server cookie proves the client saw our replies at its address,
// which is what exempts it from rate limiting.
#include "cookies.h"

#include <cstring>

namespace sgdns::engine {

CookieCheck check_cookie(const CookieOptions& options, const dns::Query& query, const Client& client,
                         std::uint8_t* server_cookie) noexcept {
  const std::size_t len = query.edns.cookie_len;
  if (!options.enabled || len == 0) return CookieCheck::None;
  const std::uint8_t* client_cookie = query.edns.cookie;
  const dns::CookieAddress address = dns::cookie_address(client.address);
  // Only our own format (RFC 9018, 16 bytes) can be valid; another length comes from a server that does
  // not share our secret, and is answered like a wrong one (RFC 7873 section 5.2.4).
  if (len == dns::kClientCookieSize + dns::kServerCookieSize) {
    const std::uint8_t* theirs = client_cookie + dns::kClientCookieSize;
    const dns::CookieAge age = dns::cookie_age(dns::cookie_timestamp(theirs), client.now);
    if (age != dns::CookieAge::Expired) {
      if (dns::server_cookie_matches(options.secret, client_cookie, theirs, address)) {
        // RFC 9018 section 4.3: a fresh cookie is echoed, saving a hash; an older one is reissued.
        if (age == dns::CookieAge::Fresh) {
          std::memcpy(server_cookie, theirs, dns::kServerCookieSize);
        } else {
          dns::make_server_cookie(options.secret, client_cookie, address, client.now, server_cookie);
        }
        return CookieCheck::Valid;
      }
      if (options.has_previous &&
          dns::server_cookie_matches(options.previous, client_cookie, theirs, address)) {
        dns::make_server_cookie(options.secret, client_cookie, address, client.now, server_cookie);
        return CookieCheck::Valid;
      }
    }
  }
  dns::make_server_cookie(options.secret, client_cookie, address, client.now, server_cookie);
  return len == dns::kClientCookieSize ? CookieCheck::New : CookieCheck::Bad;
}

}  // namespace sgdns::engine
