// SPDX-License-Identifier: MIT
// RFC 9824 5.1 Compact Answers OK (CO): with DO and CO a name that does not exist is NXDOMAIN, with the
// same NXNAME NSEC and signatures as the NOERROR answer given with DO alone; CO is echoed beside DO.
#include <catch2/catch.hpp>

#include "engine_fixture.h"
#include "sgdns/config/config.h"
#include "sgdns/dns/types.h"
#include "sgdns/world/build.h"

using namespace sgdns;

namespace {

constexpr std::uint16_t kDO = dns::edns_flag::kDO, kCO = dns::edns_flag::kCO;

/// The golden example.test. zone signed with a test CSK (as the no-allocation test serves it).
std::shared_ptr<engine::World> signed_world() {
  config::Config config;
  config.zones.push_back({"example.test.", SGDNS_TEST_DATA "/golden/zones/example.test.zone"});
  config.zones[0].keys.push_back(
      {SGDNS_TEST_DATA "/data/dnssec/Kexample.test.+013+63988", dnssec::KeyRole::Csk, true});
  return world::build_world(config, 1);
}

/// A query with EDNS whose OPT flags are `flags` (the OPT record ends the query: flags, then RDLENGTH).
std::vector<std::uint8_t> query(const std::string& name, std::uint16_t type, std::uint16_t flags) {
  std::vector<std::uint8_t> q = test::make_query(name, type, true);
  q[q.size() - 4] = static_cast<std::uint8_t>(flags >> 8);
  q[q.size() - 3] = static_cast<std::uint8_t>(flags);
  return q;
}

/// The reply's OPT flags (ldns keeps all 16 bits, DO included, as "Z").
std::uint16_t opt_flags(const test::Decoded& reply) {
  return ldns_pkt_edns_z(reply.get());
}

/// The authority section's records of `type` as text, in order.
std::vector<std::string> authority(const test::Decoded& reply, ldns_rr_type type) {
  std::vector<std::string> out;
  const ldns_rr_list* list = ldns_pkt_authority(reply.get());
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) != type) continue;
    char* text = ldns_rr2str(rr);
    out.emplace_back(text);
    free(text);
  }
  return out;
}

}  // namespace

TEST_CASE("DO and CO: a missing name is NXDOMAIN with the same signed NXNAME NSEC", "[engine][rfc9824]") {
  auto world = signed_world();
  const test::Decoded nodata_style = test::ask(*world, query("nothere.example.test.", dns::rrtype::kA, kDO));
  const test::Decoded nxdomain =
      test::ask(*world, query("nothere.example.test.", dns::rrtype::kA, kDO | kCO));
  REQUIRE(nodata_style.get());
  REQUIRE(nxdomain.get());

  // DO alone: NOERROR (validators of today read it as NODATA), CO not claimed.
  CHECK(nodata_style.rcode() == LDNS_RCODE_NOERROR);
  CHECK(opt_flags(nodata_style) == kDO);
  // DO and CO: NXDOMAIN, CO echoed.
  CHECK(nxdomain.rcode() == LDNS_RCODE_NXDOMAIN);
  CHECK(opt_flags(nxdomain) == (kDO | kCO));
  CHECK(nxdomain.answer_count() == 0);

  // The same proof either way: one NSEC owned by the name, NXNAME (type 128) in its bitmap, the same
  // RRSIGs (the NSEC's from the signature cache, the SOA's from the load-time table).
  const auto nsec = authority(nxdomain, LDNS_RR_TYPE_NSEC);
  REQUIRE(nsec.size() == 1);
  INFO(nsec[0]);
  CHECK(nsec[0].rfind("nothere.example.test.\t300\tIN\tNSEC\t\\000.nothere.example.test. RRSIG NSEC TYPE128",
                      0) == 0);
  CHECK(authority(nodata_style, LDNS_RR_TYPE_NSEC) == nsec);
  CHECK(authority(nxdomain, LDNS_RR_TYPE_RRSIG).size() == 2);  // SOA and NSEC
  CHECK(authority(nodata_style, LDNS_RR_TYPE_RRSIG) == authority(nxdomain, LDNS_RR_TYPE_RRSIG));
  CHECK(authority(nxdomain, LDNS_RR_TYPE_SOA) == authority(nodata_style, LDNS_RR_TYPE_SOA));
}

TEST_CASE("CO changes only the rcode of a missing name, and only beside DO", "[engine][rfc9824]") {
  auto world = signed_world();
  SECTION("without DO CO means nothing: NXDOMAIN, no NSEC, no RRSIG, neither flag echoed") {
    const test::Decoded r = test::ask(*world, query("nothere.example.test.", dns::rrtype::kA, kCO));
    CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
    CHECK(opt_flags(r) == 0);
    CHECK(authority(r, LDNS_RR_TYPE_NSEC).empty());
    CHECK(authority(r, LDNS_RR_TYPE_RRSIG).empty());
    CHECK(authority(r, LDNS_RR_TYPE_SOA).size() == 1);
  }
  SECTION("NODATA stays NOERROR: its NSEC lists the name's types, no NXNAME") {
    const test::Decoded r = test::ask(*world, query("www.example.test.", dns::rrtype::kTXT, kDO | kCO));
    CHECK(r.rcode() == LDNS_RCODE_NOERROR);
    CHECK(opt_flags(r) == (kDO | kCO));
    const auto nsec = authority(r, LDNS_RR_TYPE_NSEC);
    REQUIRE(nsec.size() == 1);
    INFO(nsec[0]);
    CHECK(nsec[0].find(" A AAAA RRSIG NSEC") != std::string::npos);
    CHECK(nsec[0].find("TYPE128") == std::string::npos);
  }
  SECTION("an answer stays NOERROR, signed, CO echoed") {
    const test::Decoded r = test::ask(*world, query("www.example.test.", dns::rrtype::kA, kDO | kCO));
    CHECK(r.rcode() == LDNS_RCODE_NOERROR);
    CHECK(opt_flags(r) == (kDO | kCO));
    CHECK(r.answer_count() == 3);  // two A records and their RRSIG
  }
  SECTION("a CNAME to a missing name: NXDOMAIN with CO (RFC 6604: the rcode is the last name's)") {
    const test::Decoded with_co =
        test::ask(*world, query("dangling.example.test.", dns::rrtype::kA, kDO | kCO));
    CHECK(with_co.rcode() == LDNS_RCODE_NXDOMAIN);
    CHECK(with_co.answer_text().find("CNAME\tmissing.example.test.") != std::string::npos);
    const auto nsec = authority(with_co, LDNS_RR_TYPE_NSEC);
    REQUIRE(nsec.size() == 1);
    CHECK(nsec[0].rfind("missing.example.test.", 0) == 0);
    const test::Decoded without = test::ask(*world, query("dangling.example.test.", dns::rrtype::kA, kDO));
    CHECK(without.rcode() == LDNS_RCODE_NOERROR);
  }
  SECTION("other flag bits are not echoed") {
    const test::Decoded r = test::ask(*world, query("www.example.test.", dns::rrtype::kA, kDO | 0x0001));
    CHECK(opt_flags(r) == kDO);
  }
}

TEST_CASE("a query for the NXNAME meta type is FORMERR (RFC 9824 3.5)", "[engine][rfc9824]") {
  auto world = signed_world();
  for (std::uint16_t flags : {std::uint16_t{0}, kDO, static_cast<std::uint16_t>(kDO | kCO)}) {
    const test::Decoded r = test::ask(*world, query("www.example.test.", dnssec::kTypeNxName, flags));
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
    CHECK(r.answer_count() == 0);
    CHECK(ldns_rr_list_rr_count(ldns_pkt_question(r.get())) == 1);  // the question is echoed
  }
  // Other meta types stay NOTIMP (RFC 6895 3.1 leaves them to the server).
  CHECK(test::ask(*world, query("www.example.test.", 129, kDO)).rcode() == LDNS_RCODE_NOTIMPL);
}
