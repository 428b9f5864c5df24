// SPDX-License-Identifier: MIT
// Reload signs only what changed: a new SignedZone keeps the previous version's signatures of every RRset
// whose owner, type, TTL, RDATA set and signing keys are the same, until they are due for refresh.
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>

#include "key_files.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dnssec/signed_zone.h"

using namespace sgdns;

namespace {

constexpr std::uint32_t kNow = 1'800'000'000;
constexpr std::uint32_t kDay = 86400;

/// Signed: SOA, NS, ns1 A, www A, www AAAA, mail A, txt TXT, sub DS (8), and the NSEC chain's records
/// at the apex, mail, ns1, sub, txt and www (6). Not signed: the delegation's NS and its glue.
const std::string kRecords =
    "www  A    192.0.2.10\n"
    "www  A    192.0.2.11\n"
    "www  AAAA 2001:db8::10\n"
    "mail A    192.0.2.25\n"
    "txt  TXT  \"some text\"\n"
    "sub  NS   ns.sub\n"
    "sub  DS   12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "ns.sub A  192.0.2.153\n";

std::shared_ptr<const zone::Zone> zone_of(const std::string& records) {
  const std::string text =
      "$ORIGIN example.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
      "ns1 A 192.0.2.53\n" +
      records;
  return zone::Zone::build("example.test.", zone::read_master_text(text, "test.zone", "example.test."));
}

dnssec::ZoneKey key(const std::string& base, dnssec::KeyRole role = dnssec::KeyRole::Csk, bool signs = true) {
  return {dnssec::read_key_files(test::kKeyDir + base), role, signs};
}
const std::string kEcdsa = "Kexample.test.+013+63988", kEd25519 = "Kexample.test.+015+01653";

std::unique_ptr<const dnssec::SignedZone> sign(const std::string& records, std::vector<dnssec::ZoneKey> keys,
                                               std::uint32_t now,
                                               const dnssec::SignedZone* previous = nullptr,
                                               dnssec::Validity validity = {}) {
  return std::make_unique<const dnssec::SignedZone>(zone_of(records), std::move(keys), validity,
                                                    std::make_shared<dnssec::SignatureCache>(16), now,
                                                    previous);
}

/// The load-time signatures of `name` `type` as bytes (empty: none).
std::vector<std::uint8_t> sigs(const dnssec::SignedZone& z, const std::string& name, std::uint16_t type,
                               std::uint32_t now) {
  const std::vector<std::uint8_t> wire = dns::name_from_text(name);
  const zone::Node* node = z.zone().find(wire.data(), wire.size());
  REQUIRE(node);
  const zone::RRset* set = z.zone().find_rrset(*node, type);
  REQUIRE(set);
  std::vector<std::uint8_t> out;
  for (const dnssec::Signature& s : z.static_signatures(*set, now))
    out.insert(out.end(), s.bytes, s.bytes + sizeof s.bytes);
  return out;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a reload with one changed record signs that RRset alone", "[dnssec][reload]") {
  auto v1 = sign(kRecords, {key(kEcdsa)}, kNow);
  CHECK(v1->load_stats().signed_rrsets == 8 + 6);  // and the NSEC chain: apex, mail, ns1, sub, txt, www
  CHECK(v1->load_stats().kept_rrsets == 0);

  const std::uint32_t later = kNow + 3600;
  auto v2 =
      sign(replaced(kRecords, "mail A    192.0.2.25", "mail A 192.0.2.26"), {key(kEcdsa)}, later, v1.get());
  CHECK(v2->load_stats().signed_rrsets == 1);
  CHECK(v2->load_stats().kept_rrsets == 7 + 6);  // the NSEC chain did not change either
  // Kept: the very same signatures, found at the new zone's own RRsets.
  CHECK(sigs(*v2, "www.example.test.", dns::rrtype::kA, later) ==
        sigs(*v1, "www.example.test.", dns::rrtype::kA, later));
  CHECK(sigs(*v2, "example.test.", dns::rrtype::kSOA, later) ==
        sigs(*v1, "example.test.", dns::rrtype::kSOA, later));
  CHECK(sigs(*v2, "sub.example.test.", dns::rrtype::kDS, later) ==
        sigs(*v1, "sub.example.test.", dns::rrtype::kDS, later));
  // The NSEC chain (same names, same order) keeps its signatures record for record.
  REQUIRE(v2->nsec_chain().records().size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    const auto a = v1->nsec_signatures(i, later), b = v2->nsec_signatures(i, later);
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(std::memcmp(a[0].bytes, b[0].bytes, sizeof a[0].bytes) == 0);
  }
  // Made anew: the changed RRset's signature (a new inception, so new bytes).
  const auto mail = sigs(*v2, "mail.example.test.", dns::rrtype::kA, later);
  CHECK(mail.size() == sizeof(dnssec::Signature::bytes));
  CHECK(mail != sigs(*v1, "mail.example.test.", dns::rrtype::kA, later));

  // A third version keeps v2's new signature too (kept signatures are passed on).
  auto v3 = sign(replaced(kRecords, "mail A    192.0.2.25", "mail A 192.0.2.26"), {key(kEcdsa)}, later + 60,
                 v2.get());
  CHECK(v3->load_stats().signed_rrsets == 0);
  CHECK(sigs(*v3, "mail.example.test.", dns::rrtype::kA, later) == mail);
}

TEST_CASE("what counts as a change: TTL and RDATA yes, the order of the records no", "[dnssec][reload]") {
  auto v1 = sign(kRecords, {key(kEcdsa)}, kNow);
  SECTION("a new TTL is signed again (the RRSIG carries the original TTL)") {
    auto v2 = sign(replaced(kRecords, "txt  TXT", "txt 60 TXT"), {key(kEcdsa)}, kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 1);
    CHECK(v2->load_stats().kept_rrsets == 7 + 6);
  }
  SECTION("one more record in an RRset is signed again") {
    auto v2 = sign(kRecords + "www A 192.0.2.12\n", {key(kEcdsa)}, kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 1);
  }
  SECTION("the same records in another order keep their signature") {
    auto v2 = sign(replaced(kRecords, "www  A    192.0.2.10\nwww  A    192.0.2.11\n",
                            "www  A    192.0.2.11\nwww  A    192.0.2.10\n"),
                   {key(kEcdsa)}, kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 0);
    CHECK(v2->load_stats().kept_rrsets == 8 + 6);
  }
  SECTION("glue that becomes zone data is signed; what left the zone is not counted") {
    auto v2 = sign(
        replaced(replaced(kRecords, "sub  NS   ns.sub\n", ""),
                 "sub  DS   12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
                 ""),
        {key(kEcdsa)}, kNow + 1, v1.get());
    // ns.sub A, and the NSEC records of ns1 (its next name is now ns.sub) and ns.sub (new); the NSECs of
    // the apex, mail, txt and www are unchanged.
    CHECK(v2->load_stats().signed_rrsets == 1 + 2);
    CHECK(v2->load_stats().kept_rrsets == 7 + 4);
  }
  SECTION("a new owner is signed, a removed one is simply gone") {
    auto v2 = sign(replaced(kRecords, "mail A", "post A"), {key(kEcdsa)}, kNow + 1, v1.get());
    // post A, and the NSECs of the apex (next: ns1, was mail), ns1 (next: post) and post; those of sub,
    // txt and www are unchanged.
    CHECK(v2->load_stats().signed_rrsets == 1 + 3);
    CHECK(v2->load_stats().kept_rrsets == 7 + 3);
  }
}

TEST_CASE("a change of signing keys signs again what those keys sign", "[dnssec][reload]") {
  auto v1 = sign(kRecords, {key(kEcdsa)}, kNow);
  SECTION("another CSK: everything") {
    auto v2 = sign(kRecords, {key(kEd25519)}, kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 8 + 6);
    CHECK(v2->load_stats().kept_rrsets == 0);
    CHECK(sigs(*v2, "www.example.test.", dns::rrtype::kA, kNow + 1)[2] == 15);  // the RRSIG's algorithm
  }
  SECTION("a second signing CSK (double signature): everything, now with two signatures") {
    auto v2 = sign(kRecords, {key(kEcdsa), key(kEd25519)}, kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 8 + 6);
    CHECK(sigs(*v2, "www.example.test.", dns::rrtype::kA, kNow + 1).size() ==
          2 * sizeof(dnssec::Signature::bytes));
    // Retiring one of them again: everything, with the one key left.
    auto v3 = sign(kRecords, {key(kEd25519)}, kNow + 2, v2.get());
    CHECK(v3->load_stats().signed_rrsets == 8 + 6);
    CHECK(sigs(*v3, "www.example.test.", dns::rrtype::kA, kNow + 2).size() ==
          sizeof(dnssec::Signature::bytes));
  }
  SECTION("a key published without signing changes no data signature") {
    auto v2 = sign(kRecords, {key(kEcdsa), key(kEd25519, dnssec::KeyRole::Zsk, false)}, kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 0);
    CHECK(v2->load_stats().kept_rrsets == 8 + 6);
  }
  SECTION("the same keys in a KSK/ZSK split: the data keeps the ZSK's signatures") {
    // The CSK's key becomes the ZSK: it still signs the data (nothing to do); the new KSK signs only
    // DNSKEY, CDS and CDNSKEY, which this zone (without load_signed_zone) does not have.
    auto v2 = sign(kRecords, {key(kEd25519, dnssec::KeyRole::Ksk), key(kEcdsa, dnssec::KeyRole::Zsk)},
                   kNow + 1, v1.get());
    CHECK(v2->load_stats().signed_rrsets == 0);
    CHECK(v2->load_stats().kept_rrsets == 8 + 6);
  }
}

TEST_CASE("signatures due for refresh are made again at a reload", "[dnssec][reload]") {
  auto v1 = sign(kRecords, {key(kEcdsa)}, kNow);
  // Refresh comes 7 days before expiry, which is 14 days (less up to a day of jitter) after signing.
  auto week = sign(kRecords, {key(kEcdsa)}, kNow + 5 * kDay, v1.get());
  CHECK(week->load_stats().kept_rrsets == 8 + 6);
  auto late = sign(kRecords, {key(kEcdsa)}, kNow + 7 * kDay, v1.get());
  CHECK(late->load_stats().signed_rrsets == 8 + 6);
  CHECK(late->load_stats().kept_rrsets == 0);
  // The kept ones keep their own expiry: served until v1's refresh time, then signed per query.
  const std::vector<std::uint8_t> name = dns::name_from_text("www.example.test.");
  const zone::Node* www = week->zone().find(name.data(), name.size());
  REQUIRE(www);
  const zone::RRset* a = week->zone().find_rrset(*www, dns::rrtype::kA);
  CHECK_FALSE(week->static_signatures(*a, kNow + 6 * kDay - 1).empty());
  CHECK(week->static_signatures(*a, kNow + 7 * kDay).empty());
  // Another validity policy keeps nothing.
  dnssec::Validity shorter;
  shorter.lifetime = 10 * kDay;
  auto other = sign(kRecords, {key(kEcdsa)}, kNow + 1, v1.get(), shorter);
  CHECK(other->load_stats().kept_rrsets == 0);
}
