// SPDX-License-Identifier: MIT
// The reader's fast path (owner names, A/AAAA/NS/CNAME/PTR/MX read without ldns) must give exactly the
// bytes ldns gives for the same record, and leave everything it does not handle, errors included, to ldns.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers): before ldns, see record_parser.h

#include <ldns/ldns.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sgdns/zone/error.h"
#include "sgdns/zone/master_reader.h"

using namespace sgdns;
using Bytes = std::vector<std::uint8_t>;

namespace {

const std::string kOrigin = "example.com.";

/// Owner (lowercased) and RDATA of `line` as ldns alone reads it.
std::pair<Bytes, Bytes> ldns_reference(const std::string& line) {
  ldns_rdf* origin = nullptr;
  REQUIRE(ldns_str2rdf_dname(&origin, kOrigin.c_str()) == LDNS_STATUS_OK);
  ldns_rr* rr = nullptr;
  INFO(line);
  REQUIRE(ldns_rr_new_frm_str(&rr, line.c_str(), 300, origin, nullptr) == LDNS_STATUS_OK);
  ldns_buffer* buffer = ldns_buffer_new(256);
  REQUIRE(ldns_rr_rdata2buffer_wire(buffer, rr) == LDNS_STATUS_OK);
  Bytes rdata(ldns_buffer_begin(buffer), ldns_buffer_begin(buffer) + ldns_buffer_position(buffer));
  const ldns_rdf* owner_rdf = ldns_rr_owner(rr);
  Bytes owner(ldns_rdf_data(owner_rdf), ldns_rdf_data(owner_rdf) + ldns_rdf_size(owner_rdf));
  for (auto& b : owner) b = static_cast<std::uint8_t>(b >= 'A' && b <= 'Z' ? b + 32 : b);
  ldns_buffer_free(buffer);
  ldns_rr_free(rr);
  ldns_rdf_deep_free(origin);
  return {owner, rdata};
}

zone::ParsedRecord read_one(const std::string& line) {
  auto file = zone::read_master_text("$TTL 300\n" + line + "\n", "fast.zone", kOrigin);
  REQUIRE(file.records.size() == 1);
  return file.records.front();
}

}  // namespace

TEST_CASE("fast-path records read exactly as ldns reads them", "[zone][reader]") {
  const std::string label63(63, 'a');
  const std::vector<std::string> lines = {
      "www A 192.0.2.1",
      "WWW.Example.COM. A 10.0.0.255",
      "www AAAA 2001:db8::1",
      "www AAAA ::ffff:192.0.2.1",
      "www AAAA 2001:DB8:0:0:0:0:0:FF",
      "@ NS ns1",
      "@ NS ns1.example.net.",
      "@ NS @",
      "alias CNAME Host.Example.ORG.",
      "alias CNAME *.wild",
      "*.wild CNAME a-b_c",
      "1.2 PTR host",
      "@ MX 10 mail",
      "@ MX 0 mail.other.",
      "@ MX 65535 @",
      "a.b.c.d MX 5 x.y",
      label63 + " A 192.0.2.9",
      "x CNAME " + label63 + "." + label63 + "." + label63,
  };
  for (const std::string& line : lines) {
    INFO(line);
    const zone::ParsedRecord record = read_one(line);
    const auto [owner, rdata] = ldns_reference(line);
    CHECK(record.owner == owner);
    CHECK(record.rdata == rdata);
  }
}

TEST_CASE("what the fast path does not take still reads through ldns", "[zone][reader]") {
  for (const std::string line :
       {"x CNAME a\\.b", "x CNAME a\\066c", "x A 192.0.2.1 ; comment", "x TXT \"hi\"", "x MX 10 a\\.b",
        "x NS .", "a\\.b A 192.0.2.1", "x CAA 0 issue \"ca.example\""}) {
    INFO(line);
    const zone::ParsedRecord record = read_one(line);
    const std::string plain = line.substr(0, line.find(" ;"));
    const auto [owner, rdata] = ldns_reference(plain);
    CHECK(record.owner == owner);
    CHECK(record.rdata == rdata);
  }
}

TEST_CASE("bad records still fail with file and line", "[zone][reader]") {
  const std::string label64(64, 'a');
  for (const std::string& line :
       std::vector<std::string>{"x A 192.0.2", "x A 192.0.2.256", "x A 192.0.2.1 192.0.2.2",
                                "x AAAA 2001:db8::g", "x MX 65536 mail", "x MX -1 mail", "x MX 10",
                                "x CNAME a..b", "x CNAME " + label64, label64 + " A 192.0.2.1"}) {
    INFO(line);
    CHECK_THROWS_WITH(zone::read_master_text("$TTL 300\n" + line + "\n", "fast.zone", kOrigin),
                      Catch::StartsWith("fast.zone:2:"));
  }
}

TEST_CASE("records share their file name, which outlives the file that read them", "[zone][reader]") {
  auto file = zone::read_master_text("$TTL 300\na A 192.0.2.1\nb A 192.0.2.2\n", "shared.zone", kOrigin);
  REQUIRE(file.records.size() == 2);
  CHECK(file.records[0].file == "shared.zone");
  CHECK(&file.records[0].file.str() == &file.records[1].file.str());
  // A record copied out of a file that is gone still names it (a view into the file would dangle here;
  // AddressSanitizer caught exactly that in a first version).
  const zone::ParsedRecord copy =
      zone::read_master_text("$TTL 1\nc A 192.0.2.3\n", "gone.zone", kOrigin).records[0];
  CHECK(copy.file == "gone.zone");
}
