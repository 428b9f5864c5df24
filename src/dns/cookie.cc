// SPDX-License-Identifier: MIT
// RFC 9018 server cookies: SipHash-2-4 (libsodium's crypto_shorthash_siphash24) over the client cookie,
// version, reserved bytes, timestamp and client address.
#include "sgdns/dns/cookie.h"

#include <netinet/in.h>
#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace sgdns::dns {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHashedPrefix = 8;  // Version, Reserved, Timestamp: the part of the cookie hashed
constexpr std::size_t kHashSize = crypto_shorthash_siphash24_BYTES;
static_assert(kHashSize == 8 && crypto_shorthash_siphash24_KEYBYTES == kCookieSecretSize);

/// RFC 9018 section 4.3: valid from five minutes in the future (clock skew between servers of a fleet) to
/// an hour in the past; reissued after half an hour so that a busy client never sees one expire.
constexpr std::int32_t kMaxFuture = 5 * 60;
constexpr std::int32_t kRenewAfter = 30 * 60;
constexpr std::int32_t kMaxAge = 60 * 60;

void hash(const CookieSecret& secret, const std::uint8_t* client_cookie, const std::uint8_t* prefix,
          const CookieAddress& address, std::uint8_t* out) noexcept {
  std::uint8_t input[kClientCookieSize + kHashedPrefix + 16];
  std::memcpy(input, client_cookie, kClientCookieSize);
  std::memcpy(input + kClientCookieSize, prefix, kHashedPrefix);
  std::memcpy(input + kClientCookieSize + kHashedPrefix, address.bytes, address.size);
  crypto_shorthash_siphash24(out, input, kClientCookieSize + kHashedPrefix + address.size, secret.key);
}

}  // namespace

CookieSecret random_cookie_secret() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise its random source");
  CookieSecret s;
  randombytes_buf(s.key, sizeof s.key);
  return s;
}

CookieAddress cookie_address(const sockaddr* peer) noexcept {
  CookieAddress a;
  if (!peer) return a;
  if (peer->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    std::memcpy(a.bytes, &in->sin_addr, 4);
    a.size = 4;
  } else if (peer->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    std::memcpy(a.bytes, &in6->sin6_addr, 16);
    a.size = 16;
  }
  return a;
}

void make_server_cookie(const CookieSecret& secret, const std::uint8_t* client_cookie,
                        const CookieAddress& address, std::uint32_t timestamp, std::uint8_t* out) noexcept {
  out[0] = kVersion;
  out[1] = out[2] = out[3] = 0;
  out[4] = static_cast<std::uint8_t>(timestamp >> 24);
  out[5] = static_cast<std::uint8_t>(timestamp >> 16);
  out[6] = static_cast<std::uint8_t>(timestamp >> 8);
  out[7] = static_cast<std::uint8_t>(timestamp);
  hash(secret, client_cookie, out, address, out + kHashedPrefix);
}

bool server_cookie_matches(const CookieSecret& secret, const std::uint8_t* client_cookie,
                           const std::uint8_t* server_cookie, const CookieAddress& address) noexcept {
  if (server_cookie[0] != kVersion) return false;
  std::uint8_t expected[kHashSize];
  hash(secret, client_cookie, server_cookie, address, expected);
  // Constant time, so that the time taken does not tell a forger how much of a guess was right.
  return sodium_memcmp(expected, server_cookie + kHashedPrefix, kHashSize) == 0;
}

std::uint32_t cookie_timestamp(const std::uint8_t* c) noexcept {
  return (std::uint32_t{c[4]} << 24) | (std::uint32_t{c[5]} << 16) | (std::uint32_t{c[6]} << 8) | c[7];
}

CookieAge cookie_age(std::uint32_t timestamp, std::uint32_t now) noexcept {
  const auto age = static_cast<std::int32_t>(now - timestamp);  // serial number arithmetic
  if (age < -kMaxFuture || age > kMaxAge) return CookieAge::Expired;
  return age >= kRenewAfter ? CookieAge::Renew : CookieAge::Fresh;
}

}  // namespace sgdns::dns
