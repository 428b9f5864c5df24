// SPDX-License-Identifier: MIT
// The RFC 1034 4.3.2 algorithm through engine::answer: negatives, chains, truncation, zone selection.
#include <catch2/catch.hpp>

#include "engine_fixture.h"
#include "sgdns/dns/types.h"

using namespace sgdns;
using test::ask;
using test::make_query;

namespace {

const char* kZone = R"($ORIGIN example.test.
$TTL 3600
@ 600 SOA ns1 hostmaster 1 7200 3600 1209600 900
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.10
)";

engine::World world_with(const std::string& text, const std::string& origin = "example.test.") {
  engine::World w;
  w.zones.add(test::zone_from_text(origin, text));
  return w;
}

}  // namespace

TEST_CASE("negative answers carry the SOA with min(SOA TTL, MINIMUM) as TTL", "[engine][rfc2308]") {
  auto world = world_with(kZone);
  auto nx = ask(world, make_query("nope.example.test.", dns::rrtype::kA));
  REQUIRE(nx.rcode() == LDNS_RCODE_NXDOMAIN);
  REQUIRE(nx.authority_count() == 1);
  ldns_rr* soa = ldns_rr_list_rr(ldns_pkt_authority(nx.get()), 0);
  CHECK(ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA);
  CHECK(ldns_rr_ttl(soa) == 600);  // SOA TTL 600 < MINIMUM 900
  auto nodata = ask(world, make_query("www.example.test.", dns::rrtype::kMX));
  CHECK(nodata.rcode() == LDNS_RCODE_NOERROR);
  CHECK(nodata.answer_count() == 0);
  CHECK(nodata.authority_count() == 1);
  CHECK(nodata.outcome == engine::Outcome::NoData);
  CHECK(ldns_pkt_aa(nodata.get()));
}

TEST_CASE("a CNAME chain longer than the limit is cut, a loop is answered once", "[engine][cname]") {
  std::string text = kZone;
  for (int i = 0; i < 20; ++i) text += "c" + std::to_string(i) + " CNAME c" + std::to_string(i + 1) + "\n";
  text += "c20 A 192.0.2.20\nl1 CNAME l2\nl2 CNAME l3\nl3 CNAME l1\n";
  auto world = world_with(text);
  auto chain = ask(world, make_query("c0.example.test.", dns::rrtype::kA), engine::Transport::Tcp);
  CHECK(chain.answer_count() == engine::Plan::kMaxChain);
  auto short_chain = ask(world, make_query("c10.example.test.", dns::rrtype::kA));
  CHECK(short_chain.answer_count() == 11);  // ten CNAMEs and the A
  auto loop = ask(world, make_query("l1.example.test.", dns::rrtype::kA));
  CHECK(loop.rcode() == LDNS_RCODE_NOERROR);
  CHECK(loop.answer_count() == 3);
}

TEST_CASE("truncation keeps whole RRsets and sets TC", "[engine][tc]") {
  std::string text = kZone;
  for (int i = 0; i < 40; ++i) text += "many A 192.0.2." + std::to_string(i + 1) + "\n";
  auto world = world_with(text);
  auto udp = ask(world, make_query("many.example.test.", dns::rrtype::kA, false));
  CHECK(ldns_pkt_tc(udp.get()));
  CHECK(udp.answer_count() == 0);
  CHECK(udp.size <= 512);
  auto edns = ask(world, make_query("many.example.test.", dns::rrtype::kA, true, 4096));
  CHECK_FALSE(ldns_pkt_tc(edns.get()));
  CHECK(edns.answer_count() == 40);
}

TEST_CASE("the longest matching zone answers; names in no zone are refused", "[engine][zoneset]") {
  engine::World world;
  world.zones.add(test::zone_from_text("example.test.", std::string(kZone) + "child NS ns1\n"));
  world.zones.add(test::zone_from_text(
      "child.example.test.",
      "$ORIGIN child.example.test.\n@ 60 SOA ns1 h 1 2 3 4 5\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n"));
  auto child = ask(world, make_query("ns1.child.example.test.", dns::rrtype::kA));
  CHECK(child.answer_count() == 1);
  CHECK(ldns_pkt_aa(child.get()));
  auto refused = ask(world, make_query("example.org.", dns::rrtype::kA));
  CHECK(refused.rcode() == LDNS_RCODE_REFUSED);
  CHECK_FALSE(ldns_pkt_aa(refused.get()));
  CHECK_THROWS_AS(world.zones.add(test::zone_from_text("example.test.", kZone)), std::invalid_argument);
}

TEST_CASE("DS at a child zone's apex is answered from the parent when both are served", "[engine][zoneset]") {
  // RFC 4035 3.1.4.1: the DS RRset is the parent's data; the child's apex has none.
  engine::World world;
  world.zones.add(test::zone_from_text(
      "example.test.",
      std::string(kZone) + "child NS ns1\nchild DS 12345 13 2 " + std::string(64, 'a') + "\n"));
  world.zones.add(test::zone_from_text(
      "child.example.test.",
      "$ORIGIN child.example.test.\n@ 60 SOA ns1 h 1 2 3 4 5\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n"));
  auto ds = ask(world, make_query("child.example.test.", dns::rrtype::kDS));
  CHECK(ds.answer_count() == 1);
  CHECK(ds.answer_text().find("12345 13 2") != std::string::npos);
  CHECK(ldns_pkt_aa(ds.get()));
  // Other types at the child's apex still come from the child.
  auto soa = ask(world, make_query("child.example.test.", dns::rrtype::kSOA));
  CHECK(soa.answer_text().find("child.example.test.") != std::string::npos);
  CHECK(soa.answer_count() == 1);
}

TEST_CASE("the server's EDNS payload caps the reply size", "[engine][edns]") {
  std::string text = kZone;
  for (int i = 0; i < 100; ++i) text += "many A 192.0.2." + std::to_string(i + 1) + "\n";
  auto world = world_with(text);
  world.options.edns_max_payload = 1232;
  auto r = ask(world, make_query("many.example.test.", dns::rrtype::kA, true, 4096));
  CHECK(ldns_pkt_tc(r.get()));
  CHECK(r.size <= 1232);
  CHECK(ldns_pkt_edns_udp_size(r.get()) == 1232);
}

TEST_CASE("a reply cap the transport learnt lowers the UDP limit, never below 512", "[engine][edns]") {
  std::string text = kZone;
  for (int i = 0; i < 100; ++i) text += "many A 192.0.2." + std::to_string(i + 1) + "\n";
  for (int i = 0; i < 20; ++i) text += "some A 192.0.2." + std::to_string(i + 1) + "\n";
  auto world = world_with(text);
  world.options.edns_max_payload = 4096;
  auto query = make_query("many.example.test.", dns::rrtype::kA, true, 4096);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(4096);
  const auto answer_with_cap = [&](std::uint16_t cap) {
    engine::Client client{reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Udp, cap};
    return engine::answer(world, query, client, scratch, out).size;
  };
  CHECK(answer_with_cap(0) > 1232);  // 100 addresses fit in 4096 bytes
  const std::size_t capped = answer_with_cap(1232);
  CHECK(capped <= 1232);
  CHECK((out[2] & 0x02) != 0);  // TC
  CHECK(out[11] == 1);          // ARCOUNT: the OPT record is still there
  // 20 addresses need about 370 bytes: a cap below 512 still lets them through whole.
  query = make_query("some.example.test.", dns::rrtype::kA, true, 4096);
  CHECK(answer_with_cap(100) > 300);
  CHECK((out[2] & 0x02) == 0);
}
