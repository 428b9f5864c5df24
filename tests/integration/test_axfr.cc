// SPDX-License-Identifier: MIT
// Black-box checks of AXFR over TCP: the whole zone between two SOAs, and the --axfr-allow source check.
#include <algorithm>
#include <catch2/catch.hpp>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

struct Transfer {
  unsigned rcode = 0;
  std::vector<std::string> records;  // every answer RR in order, lowercased
  std::vector<Reply> messages;
};

// Reads AXFR messages until the closing SOA, an error rcode, or a bounded number of messages.
Transfer axfr(const Endpoint& to, const std::string& zone) {
  Transfer t;
  TcpConnection conn(to);
  REQUIRE(conn.connected());
  REQUIRE(conn.send_message(build_query(make_query(zone, kTypeAXFR))));
  for (int i = 0; i < 1000; ++i) {
    auto wire = conn.read_message(Millis(5000));
    if (!wire) break;
    auto r = decode(*wire);
    REQUIRE(r);
    t.messages.push_back(*r);
    t.rcode = r->rcode;
    if (r->rcode != kRcodeNoError) break;
    for (const auto& text : r->answer_records) t.records.push_back(normalize_record_text(text));
    if (t.records.size() >= 2 && t.records.back().find("\tsoa\t") != std::string::npos) break;
  }
  return t;
}

}  // namespace

TEST_CASE("AXFR from loopback returns SOA, every record, SOA", "[integration]") {
  std::string diff_zone = test_data_path("differential/data/diff.example.zone");
  ServerProcess server({"--zone", "diff.example.=" + diff_zone});
  REQUIRE(server.wait_ready("diff.example."));
  Transfer t = axfr(Endpoint("127.0.0.1", server.port()), "diff.example.");
  REQUIRE(t.rcode == kRcodeNoError);
  REQUIRE(t.records.size() >= 2);
  CHECK(t.records.front().find("\tsoa\t") != std::string::npos);
  CHECK(t.records.back() == t.records.front());
  for (const auto& m : t.messages) CHECK(m.aa);

  std::vector<std::string> expected = zone_file_records(diff_zone, "diff.example.");
  CHECK(t.records.size() == expected.size() + 1);  // the SOA comes twice
  std::vector<std::string> got(t.records.begin(), t.records.end() - 1);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  for (const auto& m : missing) UNSCOPED_INFO("missing from AXFR: " << m);
  for (const auto& e : extra) UNSCOPED_INFO("extra in AXFR: " << e);
  CHECK(missing.empty());
  CHECK(extra.empty());
}

TEST_CASE("AXFR over UDP is not served", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  Reply r = zone.ask(make_query("it.test", kTypeAXFR));
  INFO(r.text);
  CHECK(r.rcode != kRcodeNoError);
  CHECK(r.answer.empty());
}

TEST_CASE("--axfr-allow restricts AXFR by client address", "[integration]") {
  ServedZone zone("it.test.", integration_zone(), {"--axfr-allow", "127.0.0.2/32"});
  SECTION("127.0.0.1 is refused") {
    Transfer t = axfr(zone.endpoint(), "it.test.");
    REQUIRE_FALSE(t.messages.empty());
    CHECK(t.rcode == kRcodeRefused);
    CHECK(t.records.empty());
  }
  SECTION("a client bound to 127.0.0.2 is allowed") {
    Endpoint from_two("127.0.0.1", zone.server->port(), "127.0.0.2");
    Transfer t = axfr(from_two, "it.test.");
    REQUIRE(t.rcode == kRcodeNoError);
    CHECK(t.records.size() == zone_file_records(zone.zone_path, "it.test.").size() + 1);
  }
  SECTION("normal queries from 127.0.0.1 are still answered") {
    CHECK(zone.ask(make_query("www.it.test", kTypeA), Transport::Tcp).rcode == kRcodeNoError);
  }
}
