// SPDX-License-Identifier: MIT
// DNS Cookies: RFC 9018 server cookies against the RFC's Appendix A test vectors, the timestamp window, and
// how parse_query reads the COOKIE option (RFC 7873 section 5.2.2 lengths).
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sgdns/dns/cookie.h"
#include "sgdns/dns/message.h"
#include "sgdns/dns/name.h"

using namespace sgdns::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes unhex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string hex(const std::uint8_t* p, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

CookieSecret secret(const std::string& text) {
  CookieSecret s;
  Bytes b = unhex(text);
  REQUIRE(b.size() == sizeof s.key);
  std::copy(b.begin(), b.end(), s.key);
  return s;
}

CookieAddress address(const std::string& text) {
  CookieAddress a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes) == 1) {
    a.size = 4;
  } else {
    REQUIRE(inet_pton(AF_INET6, text.c_str(), a.bytes) == 1);
    a.size = 16;
  }
  return a;
}

/// A query for example.com. A with an OPT record holding one COOKIE option of `cookie` (and a second one
/// when `twice`).
Bytes query_with_cookie(const Bytes& cookie, bool twice = false) {
  Bytes q = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  Bytes name = name_from_text("example.com.");
  q.insert(q.end(), name.begin(), name.end());
  q.insert(q.end(), {0, 1, 0, 1});
  Bytes option = {0, static_cast<std::uint8_t>(edns_opt::kCookie), 0,
                  static_cast<std::uint8_t>(cookie.size())};
  option.insert(option.end(), cookie.begin(), cookie.end());
  Bytes rdata = option;
  if (twice) rdata.insert(rdata.end(), option.begin(), option.end());
  q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, static_cast<std::uint8_t>(rdata.size() >> 8),
                     static_cast<std::uint8_t>(rdata.size())});
  q.insert(q.end(), rdata.begin(), rdata.end());
  return q;
}

}  // namespace

TEST_CASE("RFC 9018 Appendix A: server cookies are made as the RFC's vectors say", "[dns][cookie]") {
  struct Vector {
    const char* name;
    const char* secret;
    const char* client_cookie;
    const char* client_ip;
    std::uint32_t now;
    const char* server_cookie;
  };
  const Vector vectors[] = {
      {"A.1 a new server cookie", "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100",
       1559731985, "010000005cf79f111f8130c3eee29480"},
      {"A.2 the same client, renewed", "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957",
       "198.51.100.100", 1559734385, "010000005cf7a871d4a564a1442aca77"},
      {"A.3 another client, renewed", "e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86", "203.0.113.203",
       1559734700, "010000005cf7a9acf73a7810aca2381e"},
      {"A.4 IPv6, after the secret rolled over", "445536bcd2513298075a5d379663c962", "22681ab97d52c298",
       "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961, "010000005cf7c609a6bb79d16625507a"},
  };
  for (const Vector& v : vectors) {
    INFO(v.name);
    std::uint8_t out[kServerCookieSize];
    make_server_cookie(secret(v.secret), unhex(v.client_cookie).data(), address(v.client_ip), v.now, out);
    CHECK(hex(out, sizeof out) == v.server_cookie);
    CHECK(server_cookie_matches(secret(v.secret), unhex(v.client_cookie).data(), out, address(v.client_ip)));
  }
}

TEST_CASE("RFC 9018 Appendix A: the cookies the clients send back are recognised", "[dns][cookie]") {
  SECTION("A.2: the cookie of A.1, 40 minutes later: valid, and due for renewal") {
    Bytes sent = unhex("010000005cf79f111f8130c3eee29480");
    CHECK(server_cookie_matches(secret("e5e973e5a6b2a43f48e7dc849e37bfcf"), unhex("2464c4abcf10c957").data(),
                                sent.data(), address("198.51.100.100")));
    CHECK(cookie_age(cookie_timestamp(sent.data()), 1559734385) == CookieAge::Renew);
  }
  SECTION("A.3: reserved bytes another implementation set are hashed as received") {
    Bytes sent = unhex("01abcdef5cf78f71a314227b6679ebf5");
    auto s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
    CHECK(server_cookie_matches(s, unhex("fc93fc62807ddb86").data(), sent.data(), address("203.0.113.203")));
    CHECK_FALSE(
        server_cookie_matches(s, unhex("fc93fc62807ddb86").data(), sent.data(), address("203.0.113.204")));
    CHECK_FALSE(
        server_cookie_matches(s, unhex("fc93fc62807ddb87").data(), sent.data(), address("203.0.113.203")));
    // Issued 1h52m before the query of A.3: past the hour, so the server hands out a new one.
    CHECK(cookie_age(cookie_timestamp(sent.data()), 1559734700) == CookieAge::Expired);
  }
  SECTION("A.4: the old secret made it, the new one does not match it") {
    Bytes sent = unhex("010000005cf7c57926556bd0934c72f8");
    Bytes client = unhex("22681ab97d52c298");
    auto ip = address("2001:db8:220:1:59de:d0f4:8769:82b8");
    CHECK(server_cookie_matches(secret("dd3bdf9344b678b185a6f5cb60fca715"), client.data(), sent.data(), ip));
    CHECK_FALSE(
        server_cookie_matches(secret("445536bcd2513298075a5d379663c962"), client.data(), sent.data(), ip));
    CHECK(cookie_age(cookie_timestamp(sent.data()), 1559741961) == CookieAge::Fresh);
  }
  SECTION("a version other than 1 is not ours") {
    Bytes sent = unhex("020000005cf79f111f8130c3eee29480");
    CHECK_FALSE(server_cookie_matches(secret("e5e973e5a6b2a43f48e7dc849e37bfcf"),
                                      unhex("2464c4abcf10c957").data(), sent.data(),
                                      address("198.51.100.100")));
  }
}

TEST_CASE("cookie timestamps: an hour back, five minutes ahead, renewed after half an hour",
          "[dns][cookie]") {
  const std::uint32_t now = 1559731985;
  CHECK(cookie_age(now, now) == CookieAge::Fresh);
  CHECK(cookie_age(now - 1799, now) == CookieAge::Fresh);
  CHECK(cookie_age(now - 1800, now) == CookieAge::Renew);
  CHECK(cookie_age(now - 3600, now) == CookieAge::Renew);
  CHECK(cookie_age(now - 3601, now) == CookieAge::Expired);
  CHECK(cookie_age(now + 300, now) == CookieAge::Fresh);
  CHECK(cookie_age(now + 301, now) == CookieAge::Expired);
  // Serial number arithmetic: an hour-old stamp from before the 32-bit wrap, read after it.
  CHECK(cookie_age(4294964696u, 1000) == CookieAge::Renew);
}

TEST_CASE("parse_query: COOKIE option lengths (RFC 7873 section 5.2.2)", "[dns][cookie]") {
  for (std::size_t len = 0; len <= 44; ++len) {
    Bytes cookie(len);
    for (std::size_t i = 0; i < len; ++i) cookie[i] = static_cast<std::uint8_t>(i + 1);
    Query q;
    ParseStatus status = parse_query(query_with_cookie(cookie), q);
    const bool well_formed = len == 8 || (len >= 16 && len <= 40);
    INFO("cookie of " << len << " bytes");
    CHECK(status == (well_formed ? ParseStatus::Ok : ParseStatus::FormErr));
    CHECK(q.edns.present);
    if (well_formed) {
      REQUIRE(q.edns.cookie_len == len);
      CHECK(std::equal(cookie.begin(), cookie.end(), q.edns.cookie));
    } else {
      CHECK(q.edns.cookie_len == 0);
    }
  }
}

TEST_CASE("parse_query: two COOKIE options are FORMERR", "[dns][cookie]") {
  Query q;
  CHECK(parse_query(query_with_cookie(Bytes(8, 7), true), q) == ParseStatus::FormErr);
}

TEST_CASE("parse_query: no COOKIE option leaves cookie_len 0", "[dns][cookie]") {
  Query q;
  REQUIRE(parse_query(query_with_cookie(Bytes(8, 7)), q) == ParseStatus::Ok);
  REQUIRE(q.edns.cookie_len == 8);
  Bytes plain = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
  REQUIRE(parse_query(plain, q) == ParseStatus::Ok);
  CHECK(q.edns.cookie_len == 0);
}
