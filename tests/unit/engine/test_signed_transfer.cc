// SPDX-License-Identifier: MIT
// AXFR of a signed zone through engine::TransferStream: every static RRset with its RRSIGs and the NSEC
// chain with its own, the same records whether they go in one message or are cut into many (a message
// may end between an RRset and its signatures), and IXFR answered in full.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "engine_fixture.h"
#include "sgdns/dns/address.h"
#include "sgdns/dns/types.h"
#include "sgdns/dnssec/signed_zone.h"

using namespace sgdns;

namespace {

constexpr std::uint32_t kNow = 1'700'000'000;

const std::string kKeys = SGDNS_TEST_DATA "/data/dnssec/";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The zone at `serial`, with the two keys' DNSKEY records (as sgdns's loader adds them).
std::string zone_text(int serial, const std::string& www = "192.0.2.80") {
  std::string text = "$ORIGIN example.test.\n$TTL 3600\n@ SOA ns1 hostmaster " + std::to_string(serial) +
                     " 7200 3600 1209600 600\n@ NS ns1\n"
                     "ns1 A 192.0.2.53\nwww A " +
                     www +
                     "\n*.wild TXT \"w\"\nsub NS ns.sub\nns.sub A 192.0.2.54\n"
                     "sec NS ns.elsewhere.example.\n"
                     "sec DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
  for (int i = 0; i < 20; ++i) text += "big TXT \"record " + std::to_string(i) + " of a large RRset\"\n";
  return text + slurp(kKeys + "Kexample.test.+013+63988.key") + slurp(kKeys + "Kexample.test.+015+01653.key");
}

struct Signed {
  engine::World world;
  std::shared_ptr<const dnssec::SignedZone> zone;
};

/// example.test. at serial 7 signed by two CSKs (algorithms 13 and 15): every signed RRset has two
/// RRSIGs. Its journal reaches back to serial 6, so an IXFR from 6 could be answered incrementally.
std::unique_ptr<Signed> signed_world() {
  auto s = std::make_unique<Signed>();
  std::vector<dnssec::ZoneKey> keys = {
      {dnssec::read_key_files(kKeys + "Kexample.test.+013+63988"), dnssec::KeyRole::Csk, true},
      {dnssec::read_key_files(kKeys + "Kexample.test.+015+01653"), dnssec::KeyRole::Csk, true}};
  s->world.signatures = std::make_shared<dnssec::SignatureCache>(64);
  s->zone = std::make_shared<const dnssec::SignedZone>(test::zone_from_text("example.test.", zone_text(7)),
                                                       std::move(keys), dnssec::Validity{},
                                                       s->world.signatures, kNow);
  s->world.zones.add(std::shared_ptr<const zone::Zone>(s->zone, &s->zone->zone()));
  s->world.signed_zones.push_back(s->zone);
  s->world.options.axfr_allow = {dns::parse_prefix("127.0.0.0/8")};
  const auto before = test::zone_from_text("example.test.", zone_text(6, "192.0.2.79"));
  s->world.journals[&s->zone->zone()] =
      std::make_shared<zone::Journal>()->with(zone::diff(*before, s->zone->zone()), zone::JournalLimits{});
  return s;
}

struct Transfer {
  std::vector<std::string> records;  // presentation text, sorted
  std::size_t messages = 0;
};

/// Runs the transfer `qtype` (AXFR, or IXFR from serial 6) with messages of at most `size` bytes.
Transfer transfer(const engine::World& world, std::uint16_t qtype, std::size_t size) {
  std::vector<std::uint8_t> query = test::make_query("example.test.", qtype, false);
  if (qtype == dns::rrtype::kIXFR) {
    query[9] = 1;  // NSCOUNT 1: the client's SOA, serial 6
    const auto owner = dns::name_from_text("example.test.");
    query.insert(query.end(), owner.begin(), owner.end());
    // Type SOA, class IN, TTL 0, RDLENGTH 22: root MNAME and RNAME, serial 6, four zero timers.
    const std::uint8_t rest[] = {0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0, 0, 0, 0, 6};
    query.insert(query.end(), rest, rest + sizeof rest);
    query.insert(query.end(), 16, 0);
  }
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(65535);
  engine::Client client{test::loopback_peer(), engine::Transport::Tcp};
  const engine::Reply r = engine::answer(world, query, client, scratch, out);
  REQUIRE(r.outcome == engine::Outcome::Transfer);
  engine::TransferStream stream(world, client, scratch);
  Transfer t;
  while (const std::size_t n = stream.next(std::span<std::uint8_t>(out.data(), size), kNow + 60)) {
    ++t.messages;
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, out.data(), n) == LDNS_STATUS_OK);
    ldns_rr_list* answer = ldns_pkt_answer(pkt);
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
      char* text = ldns_rr2str(ldns_rr_list_rr(answer, i));
      t.records.emplace_back(text);
      free(text);
    }
    ldns_pkt_free(pkt);
  }
  std::sort(t.records.begin(), t.records.end());
  return t;
}

std::map<std::string, std::size_t> count_by_type(const std::vector<std::string>& records) {
  std::map<std::string, std::size_t> n;
  for (const auto& r : records) {
    // owner TTL class TYPE ...: the fourth field, and for RRSIG the type covered.
    std::istringstream in(r);
    std::string owner, ttl, cls, type, covered;
    in >> owner >> ttl >> cls >> type >> covered;
    ++n[type == "RRSIG" ? "RRSIG " + covered : type];
  }
  return n;
}

}  // namespace

TEST_CASE("an AXFR of a signed zone carries RRSIGs and the NSEC chain, however it is cut into messages",
          "[engine][dnssec][transfer]") {
  auto s = signed_world();
  const Transfer whole = transfer(s->world, dns::rrtype::kAXFR, 65535);
  CHECK(whole.messages == 1);
  const auto n = count_by_type(whole.records);
  CHECK(n.at("SOA") == 2);  // first and last
  CHECK(n.at("RRSIG SOA") == 2);
  CHECK(n.at("NS") == 3);  // apex, and the two delegations' (not signed)
  CHECK(n.at("RRSIG NS") == 2);
  CHECK(n.at("DS") == 1);
  CHECK(n.at("RRSIG DS") == 2);
  CHECK(n.at("A") == 3);  // ns1, www, and the glue ns.sub (not signed)
  CHECK(n.at("RRSIG A") == 4);
  CHECK(n.at("TXT") == 21);
  CHECK(n.at("RRSIG TXT") == 4);
  CHECK(n.at("DNSKEY") == 2);
  CHECK(n.at("RRSIG DNSKEY") == 2);
  // Owners: apex, ns1, www, *.wild, sub, sec, big.
  CHECK(n.at("NSEC") == 7);
  CHECK(n.at("NSEC") == s->zone->nsec_chain().records().size());
  CHECK(n.at("RRSIG NSEC") == 14);
  CHECK(s->zone->online_signatures() == 0);  // all made at load

  // Small messages: many, each ending wherever the next record does not fit (between RRs, between an
  // RRset and its RRSIGs, between two RRSIGs, between an NSEC and its RRSIGs).
  for (const std::size_t size : {300, 450, 600, 1000}) {
    const Transfer cut = transfer(s->world, dns::rrtype::kAXFR, size);
    INFO(size << "-byte messages: " << cut.messages);
    CHECK(cut.messages >= 5);
    CHECK(cut.records == whole.records);
  }

  // IXFR of a signed zone: a full transfer, the same records (the journal's change 6 -> 7 is unsigned).
  const Transfer ixfr = transfer(s->world, dns::rrtype::kIXFR, 65535);
  CHECK(ixfr.records == whole.records);
}

TEST_CASE("a transfer past the signatures' refresh point signs anew instead of sending old ones",
          "[engine][dnssec][transfer]") {
  auto s = signed_world();
  const std::uint32_t later = kNow + 8 * 86400;  // every load-time signature is due (7 days before expiry)
  std::vector<std::uint8_t> query = test::make_query("example.test.", dns::rrtype::kAXFR, false);
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(65535);
  engine::Client client{test::loopback_peer(), engine::Transport::Tcp};
  REQUIRE(engine::answer(s->world, query, client, scratch, out).outcome == engine::Outcome::Transfer);
  engine::TransferStream stream(s->world, client, scratch);
  std::size_t rrsigs = 0;
  while (const std::size_t size = stream.next(out, later)) {
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, out.data(), size) == LDNS_STATUS_OK);
    ldns_rr_list* answer = ldns_pkt_answer(pkt);
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(answer, i);
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG) continue;
      ++rrsigs;
      // Expiration: at least 13 days after `later` (14 days minus at most one of jitter).
      CHECK(ldns_rdf2native_time_t(ldns_rr_rrsig_expiration(rr)) >= later + 13 * 86400);
    }
    ldns_pkt_free(pkt);
  }
  CHECK(rrsigs == 30);
  CHECK(s->zone->online_signatures() == 30);
}
