// SPDX-License-Identifier: MIT
// Load-time zone checks: each rule refuses the zone naming the file and line of the offending record.
#include <catch2/catch.hpp>

#include "sgdns/dns/name.h"
#include "sgdns/zone/zone.h"

using namespace sgdns;

namespace {

const std::string kHead =
    "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A "
    "192.0.2.1\n";

std::string load_error(const std::string& text) {
  try {
    (void)zone::Zone::build("example.test.", zone::read_master_text(text, "z.zone", "example.test."));
  } catch (const zone::ZoneError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("zone checks name file and line", "[zone][checks]") {
  CHECK_THAT(load_error(kHead + "www A 192.0.2.2\nwww CNAME ns1\n"),
             Catch::StartsWith("z.zone:6: CNAME and other data") ||
                 Catch::StartsWith("z.zone:7: CNAME and other data"));
  CHECK_THAT(load_error(kHead + "@ SOA ns1 h 2 1 1 1 1\n"), Catch::StartsWith("z.zone:6: more than one SOA"));
  CHECK_THAT(load_error(kHead + "www.example.org. A 192.0.2.2\n"),
             Catch::StartsWith("z.zone:6: out-of-zone data"));
  CHECK_THAT(load_error(kHead + "www A 192.0.2.2\nwww A 192.0.2.2\n"),
             Catch::StartsWith("z.zone:7: duplicate record"));
  CHECK_THAT(load_error(kHead + "sub NS ns.sub\nns.sub A 192.0.2.3\nx.sub TXT \"hidden\"\n"),
             Catch::StartsWith("z.zone:8:") && Catch::Contains("below the delegation"));
  CHECK_THAT(load_error(kHead + "www DS 1 8 2 abcd\n"), Catch::Contains("not a delegation"));
  CHECK_THAT(load_error(kHead + "www SOA ns1 h 2 1 1 1 1\n"),
             Catch::StartsWith("z.zone:6: SOA record outside the apex"));
  CHECK_THAT(load_error("$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 h 1 2 3 4 5\nns1 A 192.0.2.1\n"),
             Catch::Contains("no NS records at the apex"));
  // No one line is to blame: the file alone, not "z.zone:0:".
  CHECK_THAT(load_error("$ORIGIN example.test.\n$TTL 300\n@ NS ns1\n"),
             Catch::StartsWith("z.zone: no SOA at the apex"));
  CHECK_THAT(load_error(kHead + "a CNAME ns1\na CNAME www\n"), Catch::Contains("more than one CNAME"));
  CHECK(load_error(kHead + "www A 192.0.2.2\nsub NS ns.sub\nns.sub A 192.0.2.3\n") == "no error");
}

TEST_CASE("the compiled zone links cuts, wildcards, empty non-terminals and additional targets", "[zone]") {
  auto z = zone::Zone::build(
      "example.test.",
      zone::read_master_text(kHead + "@ MX 10 mail\nmail A 192.0.2.25\n*.wild A 192.0.2.9\n"
                                     "a.b.c A 192.0.2.7\nsub NS ns.sub\nns.sub A 192.0.2.3\n",
                             "z.zone", "example.test."));
  auto find = [&](const char* text) {
    auto wire = dns::name_from_text(text);
    return z->find(wire.data(), wire.size());
  };
  REQUIRE(find("b.c.example.test."));
  CHECK((find("b.c.example.test.")->flags & zone::node_flag::kEmptyNonTerminal));
  CHECK(find("c.example.test."));
  CHECK(find("wild.example.test.")->wildcard >= 0);
  CHECK((find("sub.example.test.")->flags & zone::node_flag::kDelegation));
  CHECK((find("ns.sub.example.test.")->flags & zone::node_flag::kBelowCut));
  CHECK(find("ns.sub.example.test.")->cut ==
        static_cast<std::int32_t>(find("sub.example.test.") - z->nodes().data()));
  const zone::RRset* mx = z->find_rrset(z->apex(), 15);
  REQUIRE(mx);
  REQUIRE(z->additional(*mx).size() == 1);
  CHECK(&z->node(z->additional(*mx)[0]) == find("mail.example.test."));
  CHECK(z->serial() == 1);
  CHECK(z->negative_ttl() == 300);
}
