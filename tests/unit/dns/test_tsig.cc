// SPDX-License-Identifier: MIT
// TSIG (RFC 8945): sign and verify round trips, each error a verifier reports, transfer chains with
// unsigned messages between signed ones, and the three key file formats.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/dns/writer.h"

using namespace sgdns::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::uint64_t kNow = 1'700'000'000;

TsigKey key(const std::string& name, const std::string& secret_text,
            TsigAlgorithm alg = TsigAlgorithm::HmacSha256) {
  TsigKey k;
  k.name = name_from_text(name);
  k.name_text = name_to_text(k.name.data());
  k.algorithm = alg;
  k.secret.assign(secret_text.begin(), secret_text.end());
  return k;
}

/// A query for example.com. SOA, with room for a TSIG record.
Bytes message(std::uint16_t id) {
  Bytes buf(1024);
  Writer w(buf.data(), buf.size());
  w.begin(id, 0);
  const auto name = name_from_text("example.com.");
  REQUIRE(w.put_question(name.data(), rrtype::kSOA, rrclass::kIN));
  buf.resize(w.finish());
  return buf;
}

Bytes sign(TsigSigner& s, Bytes m, std::uint64_t now = kNow) {
  const std::size_t len = m.size();
  m.resize(len + 512);
  const std::size_t n = s.sign(m.data(), len, m.size(), now);
  REQUIRE(n > len);
  m.resize(n);
  return m;
}

std::uint16_t verify(TsigVerifier& v, const Bytes& m, std::uint64_t now = kNow) {
  TsigRecord rec;
  const TsigFound found = find_tsig(m, rec);
  if (found == TsigFound::None) return v.verify(m, nullptr, now);
  REQUIRE(found == TsigFound::Found);
  return v.verify(m, &rec, now);
}

}  // namespace

TEST_CASE("a signed request verifies with the same key and no other", "[dns][tsig]") {
  for (TsigAlgorithm alg : {TsigAlgorithm::HmacSha256, TsigAlgorithm::HmacSha512}) {
    const TsigKey k = key("xfr.example.", "0123456789abcdef0123456789abcdef", alg);
    TsigSigner signer(k, {});
    const Bytes m = sign(signer, message(42));
    CHECK(signer.mac().size() == (alg == TsigAlgorithm::HmacSha256 ? 32u : 64u));
    TsigVerifier good(k, {});
    CHECK(verify(good, m) == tsig_error::kNone);

    // The verifier keeps a reference to its key, as the key outlives every transfer in the server.
    const TsigKey wrong_secret = key("xfr.example.", "another secret", alg);
    TsigVerifier other_secret(wrong_secret, {});
    CHECK(verify(other_secret, m) == tsig_error::kBadSig);
    const TsigKey wrong_name = key("other.example.", "0123456789abcdef0123456789abcdef", alg);
    TsigVerifier other_name(wrong_name, {});
    CHECK(verify(other_name, m) == tsig_error::kBadKey);

    Bytes tampered = m;
    tampered[13] ^= 0x20;  // a letter of the question name: the MAC no longer matches
    TsigVerifier v(k, {});
    CHECK(verify(v, tampered) == tsig_error::kBadSig);

    TsigVerifier late(k, {});
    CHECK(verify(late, m, kNow + kTsigFudge + 1) == tsig_error::kBadTime);
    TsigVerifier in_time(k, {});
    CHECK(verify(in_time, m, kNow + kTsigFudge) == tsig_error::kNone);
  }
}

TEST_CASE("a reply chains the request's MAC, and a transfer each message's", "[dns][tsig]") {
  const TsigKey k = key("xfr.", "secret-secret-secret");
  TsigSigner client(k, {});
  sign(client, message(7));
  const Bytes request_mac(client.mac().begin(), client.mac().end());

  TsigSigner server(k, request_mac);
  const Bytes first = sign(server, message(7));
  const Bytes second = sign(server, message(7));
  const Bytes third = sign(server, message(7));

  TsigVerifier in_order(k, request_mac);
  CHECK(verify(in_order, first) == tsig_error::kNone);
  CHECK(verify(in_order, second) == tsig_error::kNone);
  CHECK(verify(in_order, third) == tsig_error::kNone);

  TsigVerifier skipped(k, request_mac);  // a message lost or reordered breaks the chain
  CHECK(verify(skipped, first) == tsig_error::kNone);
  CHECK(verify(skipped, third) == tsig_error::kBadSig);

  TsigVerifier wrong_request(k, Bytes(32, 1));
  CHECK(verify(wrong_request, first) == tsig_error::kBadSig);
}

TEST_CASE("unsigned messages between signed ones count in the next digest", "[dns][tsig]") {
  const TsigKey k = key("xfr.", "secret-secret-secret");
  const Bytes request_mac(32, 9);
  // What the signer digests for the third message: the prior MAC, the unsigned second message, then
  // the third. Reproduced by signing one message made of both.
  TsigSigner server(k, request_mac);
  const Bytes first = sign(server, message(1));
  const Bytes middle = message(1);
  TsigVerifier v(k, request_mac);
  CHECK(verify(v, first) == tsig_error::kNone);
  CHECK(verify(v, middle) == tsig_error::kNone);  // allowed unsigned
  CHECK_FALSE(v.last_signed());
  const Bytes last = sign(server, message(1));  // signed without the middle one: must not verify
  CHECK(verify(v, last) == tsig_error::kBadSig);

  TsigVerifier first_unsigned(k, request_mac);
  CHECK(verify(first_unsigned, middle) == tsig_error::kBadSig);  // the first message must be signed
}

TEST_CASE("find_tsig accepts TSIG only as the last record", "[dns][tsig]") {
  const TsigKey k = key("xfr.", "secret");
  TsigSigner s(k, {});
  Bytes m = sign(s, message(3));
  TsigRecord rec;
  REQUIRE(find_tsig(m, rec) == TsigFound::Found);
  CHECK(rec.original_id == 3);
  CHECK(rec.fudge == kTsigFudge);
  CHECK(rec.time_signed == kNow);
  CHECK(find_tsig(message(3), rec) == TsigFound::None);
  Bytes trailing = m;
  trailing.push_back(0);
  CHECK(find_tsig(trailing, rec) == TsigFound::Malformed);
  Bytes truncated(m.begin(), m.end() - 5);
  CHECK(find_tsig(truncated, rec) == TsigFound::Malformed);
}

TEST_CASE("key files: BIND, Knot and NSD formats", "[dns][tsig]") {
  const std::string bind = "key \"xfr\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0\";\n};\n";
  const std::string knot =
      "# hmac-sha512:k2:c2VjcmV0\nkey:\n  - id: k2\n    algorithm: hmac-sha512\n"
      "    secret: c2VjcmV0\n";
  const std::string nsd = "key:\n  name: \"n3.example\"\n  algorithm: hmac-sha256\n  secret: \"c2VjcmV0\"\n";
  auto b = parse_tsig_key_file(bind);
  REQUIRE(b.size() == 1);
  CHECK(b[0].name_text == "xfr.");
  CHECK(b[0].algorithm == TsigAlgorithm::HmacSha256);
  CHECK(std::string(b[0].secret.begin(), b[0].secret.end()) == "secret");
  auto k = parse_tsig_key_file(knot);
  REQUIRE(k.size() == 1);
  CHECK(k[0].name_text == "k2.");
  CHECK(k[0].algorithm == TsigAlgorithm::HmacSha512);
  auto n = parse_tsig_key_file(nsd);
  REQUIRE(n.size() == 1);
  CHECK(n[0].name_text == "n3.example.");

  CHECK_THROWS_WITH(parse_tsig_key_file("key \"x\" { algorithm hmac-md5; secret \"c2VjcmV0\"; };"),
                    Catch::Contains("hmac-sha256 or hmac-sha512"));
  CHECK_THROWS_WITH(parse_tsig_key_file("key \"x\" { algorithm hmac-sha256; secret \"*\"; };"),
                    Catch::Contains("not base64"));
  CHECK_THROWS_WITH(parse_tsig_key_file("key \"x\" { algorithm hmac-sha256;"),
                    Catch::Contains("unexpected end"));
  CHECK_THROWS(parse_tsig_key_file(""));
}
