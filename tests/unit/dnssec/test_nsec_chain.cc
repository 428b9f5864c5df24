// SPDX-License-Identifier: MIT
// The NSEC chain an AXFR of a signed zone carries: canonical order (RFC 4034 6.1), type bit maps,
// delegations and glue, wildcard owners, names with only geo answers, and its signatures; the records are
// read back with ldns (an independent implementation).
// <stdbool.h> must come before ldns, or ldns defines a bool macro that breaks the C++ headers (clang).
#include <stdbool.h>

#include <ldns/ldns.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dnssec/nsec_chain.h"
#include "sgdns/dnssec/signed_zone.h"
#include "sgdns/zone/zone.h"

using namespace sgdns;

namespace {

// The names of RFC 4034 6.1's ordering example, under example.test., and the cases a chain must get right.
const std::string kZone =
    "$ORIGIN example.test.\n$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "@ MX 10 mail\n"
    "ns1 A 192.0.2.53\n"
    "mail A 192.0.2.25\n"
    "z A 192.0.2.26\n"
    "\\200.z TXT \"200\"\n"
    "*.z TXT \"star\"\n"
    "\\001.z TXT \"001\"\n"
    "zABC.a TXT \"zabc\"\n"
    "Z.a TXT \"Z\"\n"
    "yljkjljk.a TXT \"y\"\n"
    "a TXT \"a\"\n"
    "*.wild TXT \"wildcard\"\n"  // wild. is an empty non-terminal: not an owner
    "a.b.c TXT \"deep\"\n"       // so are b.c. and c.
    "sub NS ns.sub\n"            // an insecure delegation
    "ns.sub A 192.0.2.54\n"      // its glue: not in the chain
    "sec NS ns.elsewhere.example.\n"
    "sec DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "www A 192.0.2.80\n";  // a geo name with a static fallback: an owner

std::shared_ptr<const zone::Zone> make_zone() {
  // geo. has only policy answers, www. has a static record too.
  std::vector<zone::DynamicOwner> dynamic = {{dns::name_from_text("geo.example.test."), 0},
                                             {dns::name_from_text("www.example.test."), 1}};
  return zone::Zone::build("example.test.", zone::read_master_text(kZone, "test.zone", "example.test."),
                           dynamic);
}

/// One chain record in presentation form as ldns prints it, whitespace collapsed.
std::string text_of(const zone::Zone& z, const dnssec::NsecChain& chain, const dnssec::NsecChain::Record& r) {
  std::vector<std::uint8_t> wire;
  const std::uint8_t* owner = z.name(z.node(static_cast<std::int32_t>(r.node)));
  wire.assign(owner, owner + dns::name_length(owner));
  const dnssec::RdataRef rd = chain.rdata(r);
  const std::uint32_t ttl = chain.ttl();
  for (std::uint8_t b : {0, 47, 0, 1}) wire.push_back(b);
  for (int shift = 24; shift >= 0; shift -= 8) wire.push_back(static_cast<std::uint8_t>(ttl >> shift));
  wire.push_back(static_cast<std::uint8_t>(rd.size >> 8));
  wire.push_back(static_cast<std::uint8_t>(rd.size));
  wire.insert(wire.end(), rd.data, rd.data + rd.size);
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  REQUIRE(ldns_wire2rr(&rr, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK);
  char* s = ldns_rr2str(rr);
  std::istringstream in(s);
  free(s);
  ldns_rr_free(rr);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

TEST_CASE("canonical name order is RFC 4034 6.1's", "[dnssec][nsec]") {
  const std::vector<std::string> ordered = {"example.",         "a.example.",      "yljkjljk.a.example.",
                                            "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                                            "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      const auto a = dns::name_from_text(ordered[i]);
      const auto b = dns::name_from_text(ordered[j]);
      const int c = dnssec::canonical_compare(a.data(), b.data());
      INFO(ordered[i] << " vs " << ordered[j]);
      CHECK((c < 0) == (i < j));
      CHECK((c == 0) == (i == j));
    }
  }
}

TEST_CASE("the NSEC chain covers exactly the names an AXFR carries, in canonical order", "[dnssec][nsec]") {
  const auto z = make_zone();
  const dnssec::NsecChain chain(*z);
  CHECK(chain.ttl() == 300);  // min(SOA TTL 3600, SOA MINIMUM 300)
  std::vector<std::string> got;
  for (const auto& r : chain.records()) got.push_back(text_of(*z, chain, r));
  const std::vector<std::string> expected = {
      "example.test. 300 IN NSEC a.example.test. NS SOA MX RRSIG NSEC",
      "a.example.test. 300 IN NSEC yljkjljk.a.example.test. TXT RRSIG NSEC",
      "yljkjljk.a.example.test. 300 IN NSEC z.a.example.test. TXT RRSIG NSEC",
      "z.a.example.test. 300 IN NSEC zabc.a.example.test. TXT RRSIG NSEC",
      "zabc.a.example.test. 300 IN NSEC a.b.c.example.test. TXT RRSIG NSEC",
      "a.b.c.example.test. 300 IN NSEC mail.example.test. TXT RRSIG NSEC",
      "mail.example.test. 300 IN NSEC ns1.example.test. A RRSIG NSEC",
      "ns1.example.test. 300 IN NSEC sec.example.test. A RRSIG NSEC",
      "sec.example.test. 300 IN NSEC sub.example.test. NS DS RRSIG NSEC",  // secure delegation
      "sub.example.test. 300 IN NSEC *.wild.example.test. NS RRSIG NSEC",  // insecure: no DS, no A
      "*.wild.example.test. 300 IN NSEC www.example.test. TXT RRSIG NSEC",
      "www.example.test. 300 IN NSEC z.example.test. A RRSIG NSEC",
      "z.example.test. 300 IN NSEC \\001.z.example.test. A RRSIG NSEC",
      "\\001.z.example.test. 300 IN NSEC *.z.example.test. TXT RRSIG NSEC",
      "*.z.example.test. 300 IN NSEC \\200.z.example.test. TXT RRSIG NSEC",
      "\\200.z.example.test. 300 IN NSEC example.test. TXT RRSIG NSEC",  // the last points to the apex
  };
  CHECK(got == expected);
}

TEST_CASE("a signed zone signs its NSEC chain at load with the zone-data keys", "[dnssec][nsec]") {
  auto z = make_zone();
  const dnssec::KeyPair key = dnssec::read_key_files(SGDNS_TEST_DATA "/data/dnssec/Kexample.test.+013+63988");
  constexpr std::uint32_t kNow = 1'700'000'000;
  const dnssec::SignedZone signed_zone(z, {{key, dnssec::KeyRole::Csk, true}}, dnssec::Validity{},
                                       std::make_shared<dnssec::SignatureCache>(16), kNow);
  const auto records = signed_zone.nsec_chain().records();
  REQUIRE(records.size() == 16);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto sigs = signed_zone.nsec_signatures(i, kNow);
    REQUIRE(sigs.size() == 1);
    CHECK(sigs[0].bytes[0] == 0);
    CHECK(sigs[0].bytes[1] == 47);  // type covered: NSEC
    CHECK(sigs[0].expiration() > kNow + 13 * 86400);
    // Past the refresh point the load-time signature is not handed out: the transfer signs anew.
    CHECK(signed_zone.nsec_signatures(i, sigs[0].expiration() - 7 * 86400).empty());
  }
  CHECK(signed_zone.online_signatures() == 0);
}
