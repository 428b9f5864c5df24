// SPDX-License-Identifier: MIT
// DNS Cookies on the query path (RFC 7873 section 5.2, RFC 9018): judge the query's cookie, choose the
// server cookie the reply carries.
#pragma once
#include "sgdns/engine/engine.h"

namespace sgdns::engine {

/// Judges the COOKIE option left in `query` by parse_query (which refused malformed ones) and writes the
/// server cookie the reply must carry to `server_cookie`: the client's own when it is ours and fresh, else
/// a new one made with the current secret. Returns CookieCheck::None when there is nothing to answer.
[[nodiscard]] CookieCheck check_cookie(const CookieOptions& options, const dns::Query& query,
                                       const Client& client, std::uint8_t* server_cookie) noexcept;

}  // namespace sgdns::engine
