// SPDX-License-Identifier: MIT
// DNS Cookies through engine::answer (RFC 7873 section 5.2, RFC 9018): what each kind of COOKIE option gets
// back, the previous secret during a rotation, and what a rate-limited query slips as.
#include <catch2/catch.hpp>

#include "engine_fixture.h"
#include "sgdns/dns/cookie.h"
#include "sgdns/dns/types.h"

using namespace sgdns;

namespace {

using Bytes = std::vector<std::uint8_t>;

const char* kZone = R"($ORIGIN example.test.
$TTL 3600
@ 600 SOA ns1 hostmaster 1 7200 3600 1209600 900
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.10
)";

constexpr std::uint32_t kNow = 1'700'000'000;
const Bytes kClientCookie = {1, 2, 3, 4, 5, 6, 7, 8};

dns::CookieSecret secret_of(std::uint8_t fill) {
  dns::CookieSecret s;
  std::fill(std::begin(s.key), std::end(s.key), fill);
  return s;
}

engine::World make_world() {
  engine::World w;
  w.zones.add(test::zone_from_text("example.test.", kZone));
  w.options.cookies.secret = secret_of(0xAA);
  return w;
}

/// www.example.test A with one EDNS option (code, data).
Bytes query_with_option(std::uint16_t code, const Bytes& data) {
  Bytes q = test::make_query("www.example.test.", dns::rrtype::kA);
  q[q.size() - 2] = static_cast<std::uint8_t>((data.size() + 4) >> 8);  // RDLENGTH of the OPT record
  q[q.size() - 1] = static_cast<std::uint8_t>(data.size() + 4);
  q.insert(q.end(), {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code),
                     static_cast<std::uint8_t>(data.size() >> 8), static_cast<std::uint8_t>(data.size())});
  q.insert(q.end(), data.begin(), data.end());
  return q;
}

Bytes cookie_query(const Bytes& server_cookie = {}) {
  Bytes c = kClientCookie;
  c.insert(c.end(), server_cookie.begin(), server_cookie.end());
  return query_with_option(dns::edns_opt::kCookie, c);
}

dns::CookieAddress loopback() {
  dns::CookieAddress a;
  a.bytes[0] = 127;
  a.bytes[3] = 1;
  a.size = 4;
  return a;
}

Bytes server_cookie(const dns::CookieSecret& secret, std::uint32_t at) {
  Bytes out(dns::kServerCookieSize);
  dns::make_server_cookie(secret, kClientCookie.data(), loopback(), at, out.data());
  return out;
}

struct Answered {
  engine::Reply reply;
  Bytes wire;
  engine::Scratch scratch;
  /// The COOKIE option's data in the reply's OPT record, if any.
  std::optional<Bytes> cookie() const {
    // Our OPT record is the last record: root owner, type 41; its options fill the message's end.
    for (std::size_t i = 12; i + 11 <= wire.size(); ++i) {
      if (wire[i] != 0 || wire[i + 1] != 0 || wire[i + 2] != 41) continue;
      std::size_t pos = i + 11;
      while (pos + 4 <= wire.size()) {
        std::uint16_t code = static_cast<std::uint16_t>((wire[pos] << 8) | wire[pos + 1]);
        std::size_t len = static_cast<std::size_t>((wire[pos + 2] << 8) | wire[pos + 3]);
        if (code == dns::edns_opt::kCookie)
          return Bytes(wire.begin() + static_cast<long>(pos + 4),
                       wire.begin() + static_cast<long>(pos + 4 + len));
        pos += 4 + len;
      }
    }
    return std::nullopt;
  }
  unsigned rcode() const {
    unsigned low = wire[3] & 0x0f;
    for (std::size_t i = 12; i + 11 <= wire.size(); ++i) {
      if (wire[i] == 0 && wire[i + 1] == 0 && wire[i + 2] == 41) return (unsigned{wire[i + 5]} << 4) | low;
    }
    return low;
  }
};

Answered answer(const engine::World& world, const Bytes& query, std::uint32_t now = kNow,
                engine::Transport transport = engine::Transport::Udp) {
  Answered a;
  a.wire.resize(65535);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer), transport};
  client.now = now;
  a.reply = engine::answer(world, query, client, a.scratch, a.wire);
  a.wire.resize(a.reply.size);
  return a;
}

Bytes with_client(const Bytes& server) {
  Bytes out = kClientCookie;
  out.insert(out.end(), server.begin(), server.end());
  return out;
}

}  // namespace

TEST_CASE("a client cookie alone gets a new RFC 9018 server cookie", "[engine][cookie]") {
  auto world = make_world();
  Answered a = answer(world, cookie_query());
  CHECK(a.reply.cookie == engine::CookieCheck::New);
  CHECK(a.rcode() == dns::rcode::kNoError);
  REQUIRE(a.cookie());
  CHECK(*a.cookie() == with_client(server_cookie(world.options.cookies.secret, kNow)));
}

TEST_CASE("our server cookie is valid: echoed while fresh, renewed after half an hour", "[engine][cookie]") {
  auto world = make_world();
  Bytes issued = server_cookie(world.options.cookies.secret, kNow - 60);
  Answered fresh = answer(world, cookie_query(issued));
  CHECK(fresh.reply.cookie == engine::CookieCheck::Valid);
  CHECK(*fresh.cookie() == with_client(issued));
  CHECK(fresh.reply.outcome == engine::Outcome::Answer);

  Bytes old = server_cookie(world.options.cookies.secret, kNow - 2400);
  Answered renewed = answer(world, cookie_query(old));
  CHECK(renewed.reply.cookie == engine::CookieCheck::Valid);
  CHECK(*renewed.cookie() == with_client(server_cookie(world.options.cookies.secret, kNow)));
}

TEST_CASE("a cookie that is not ours, expired, or of another format is Bad and replaced",
          "[engine][cookie]") {
  auto world = make_world();
  const Bytes fresh_new = with_client(server_cookie(world.options.cookies.secret, kNow));
  SECTION("made with another secret") {
    Answered a = answer(world, cookie_query(server_cookie(secret_of(0x55), kNow)));
    CHECK(a.reply.cookie == engine::CookieCheck::Bad);
    CHECK(*a.cookie() == fresh_new);
  }
  SECTION("more than an hour old") {
    Answered a = answer(world, cookie_query(server_cookie(world.options.cookies.secret, kNow - 3601)));
    CHECK(a.reply.cookie == engine::CookieCheck::Bad);
    CHECK(*a.cookie() == fresh_new);
  }
  SECTION("more than five minutes ahead") {
    Answered a = answer(world, cookie_query(server_cookie(world.options.cookies.secret, kNow + 301)));
    CHECK(a.reply.cookie == engine::CookieCheck::Bad);
  }
  SECTION("an 8-byte server cookie (another server's format)") {
    Answered a = answer(world, cookie_query(Bytes(8, 9)));
    CHECK(a.reply.cookie == engine::CookieCheck::Bad);
    CHECK(*a.cookie() == fresh_new);
  }
  // None of these is refused: RFC 7873 5.2.4 lets the query be answered with the new cookie.
  CHECK(answer(world, cookie_query(Bytes(16, 1))).reply.outcome == engine::Outcome::Answer);
}

TEST_CASE("during a rotation the previous secret is accepted and replaced by the current one",
          "[engine][cookie]") {
  auto world = make_world();
  world.options.cookies.has_previous = true;
  world.options.cookies.previous = secret_of(0x11);
  Answered a = answer(world, cookie_query(server_cookie(secret_of(0x11), kNow - 10)));
  CHECK(a.reply.cookie == engine::CookieCheck::Valid);
  CHECK(*a.cookie() == with_client(server_cookie(world.options.cookies.secret, kNow)));
  world.options.cookies.has_previous = false;
  CHECK(answer(world, cookie_query(server_cookie(secret_of(0x11), kNow - 10))).reply.cookie ==
        engine::CookieCheck::Bad);
}

TEST_CASE("malformed cookies get FORMERR without a cookie; cookies off ignores the option",
          "[engine][cookie]") {
  auto world = make_world();
  Answered malformed = answer(world, query_with_option(dns::edns_opt::kCookie, Bytes(12, 1)));
  CHECK(malformed.rcode() == dns::rcode::kFormErr);
  CHECK_FALSE(malformed.cookie());
  CHECK(malformed.reply.cookie == engine::CookieCheck::None);

  world.options.cookies.enabled = false;
  Answered off = answer(world, cookie_query());
  CHECK(off.reply.cookie == engine::CookieCheck::None);
  CHECK_FALSE(off.cookie());
  CHECK(off.rcode() == dns::rcode::kNoError);
}

TEST_CASE("a slipped reply: TC and the question only; BADCOOKIE to a client without a valid cookie",
          "[engine][cookie][rrl]") {
  auto world = make_world();
  SECTION("no cookie: TC, empty sections, NOERROR") {
    Answered a = answer(world, test::make_query("www.example.test.", dns::rrtype::kA));
    Bytes out(4096);
    engine::Reply s = engine::slip_reply(world, a.scratch, a.reply, out);
    out.resize(s.size);
    CHECK((out[2] & 0x82) == 0x82);  // QR and TC
    CHECK((out[3] & 0x0f) == 0);
    CHECK(out[5] == 1);  // QDCOUNT
    CHECK((out[6] | out[7] | out[8] | out[9]) == 0);
    CHECK(out[11] == 1);  // the OPT record only
    CHECK(s.size < a.reply.size);
  }
  SECTION("a client cookie alone: BADCOOKIE (23) carrying a new server cookie, no TC") {
    Answered a = answer(world, cookie_query());
    Answered slipped;
    slipped.wire.resize(4096);
    engine::Reply s = engine::slip_reply(world, a.scratch, a.reply, slipped.wire);
    slipped.wire.resize(s.size);
    CHECK(slipped.rcode() == dns::rcode::kBadCookie);
    CHECK((slipped.wire[2] & 0x02) == 0);
    CHECK(*slipped.cookie() == with_client(server_cookie(world.options.cookies.secret, kNow)));
  }
}

TEST_CASE("TCP replies carry the server cookie too", "[engine][cookie]") {
  auto world = make_world();
  Answered a = answer(world, cookie_query(), kNow, engine::Transport::Tcp);
  CHECK(a.reply.outcome == engine::Outcome::Answer);
  REQUIRE(a.cookie());
  CHECK(*a.cookie() == with_client(server_cookie(world.options.cookies.secret, kNow)));
}
