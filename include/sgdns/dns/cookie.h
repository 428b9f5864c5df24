// SPDX-License-Identifier: MIT
// DNS Cookies (RFC 7873) with interoperable server cookies (RFC 9018): every server of a fleet that shares
// the secret makes and accepts the same cookies, whatever its implementation.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace sgdns::dns {

inline constexpr std::size_t kClientCookieSize = 8;
/// RFC 9018 version 1: Version (1), Reserved (3), Timestamp (4), Hash (8).
inline constexpr std::size_t kServerCookieSize = 16;
/// RFC 7873 section 4: a server cookie is 8 to 32 bytes, so the option holds 8 or 16 to 40.
inline constexpr std::size_t kMaxCookieOption = 40;
inline constexpr std::size_t kCookieSecretSize = 16;  // the SipHash-2-4 key

struct CookieSecret {
  std::uint8_t key[kCookieSecretSize] = {};
};

/// The client address as the cookie hash covers it: 4 bytes for IPv4, 16 for IPv6.
struct CookieAddress {
  std::uint8_t bytes[16] = {};
  std::size_t size = 0;
};

/// A secret from the system's random source (for a server that was given no secret file).
[[nodiscard]] CookieSecret random_cookie_secret();

/// The address of a socket peer (IPv4 or IPv6; size 0 for anything else).
[[nodiscard]] CookieAddress cookie_address(const sockaddr* peer) noexcept;

/// RFC 9018 section 4.2: version 1, reserved 0, `timestamp`, and
/// Hash = SipHash-2-4(secret, Client Cookie | Version | Reserved | Timestamp | Client-IP).
void make_server_cookie(const CookieSecret& secret, const std::uint8_t* client_cookie,
                        const CookieAddress& address, std::uint32_t timestamp,
                        std::uint8_t* out /* kServerCookieSize */) noexcept;

/// True when `server_cookie` (kServerCookieSize bytes, version 1) carries the hash `secret` gives for this
/// client cookie and address. The version and reserved bytes are hashed as received (RFC 9018 A.3);
/// the timestamp is not judged here (see cookie_age).
[[nodiscard]] bool server_cookie_matches(const CookieSecret& secret, const std::uint8_t* client_cookie,
                                         const std::uint8_t* server_cookie,
                                         const CookieAddress& address) noexcept;

enum class CookieAge : std::uint8_t {
  Fresh,    // issued less than half an hour ago: echo it as it is
  Renew,    // half an hour to an hour old: still valid, answer with a new one (RFC 9018 section 4.3)
  Expired,  // more than an hour old, or more than five minutes in the future
};

/// Judges a cookie's timestamp against `now` (seconds since 1970), in serial number arithmetic
/// (RFC 1982) so that the 2106 wrap is a non-event.
[[nodiscard]] CookieAge cookie_age(std::uint32_t timestamp, std::uint32_t now) noexcept;

/// The timestamp written into a server cookie.
[[nodiscard]] std::uint32_t cookie_timestamp(const std::uint8_t* server_cookie) noexcept;

}  // namespace sgdns::dns
