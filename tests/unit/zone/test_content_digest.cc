// SPDX-License-Identifier: MIT
// The zone content digest: blind to record order and comments, sensitive to any change of data.
#include <catch2/catch.hpp>

#include "sgdns/zone/zone.h"

using namespace sgdns;

namespace {

std::uint64_t digest(const std::string& body) {
  const std::string head =
      "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n";
  return zone::Zone::build("example.test.", zone::read_master_text(head + body, "z.zone", "example.test."))
      ->content_digest();
}

}  // namespace

TEST_CASE("the content digest follows the data, not the file's layout", "[zone][digest]") {
  const std::string base = "ns1 A 192.0.2.1\nwww A 192.0.2.2\nwww TXT \"hello\"\n";
  const std::uint64_t d = digest(base);
  // Same data: reordered, commented, written with other spellings of the same names.
  CHECK(digest("www TXT \"hello\"\nwww A 192.0.2.2\nns1 A 192.0.2.1\n") == d);
  CHECK(digest("; a comment\n" + base + "; another\n") == d);
  CHECK(digest("ns1.example.test. A 192.0.2.1\nWWW 300 IN A 192.0.2.2\nwww TXT \"hello\"\n") == d);
  // Any change of data.
  CHECK(digest("ns1 A 192.0.2.1\nwww A 192.0.2.3\nwww TXT \"hello\"\n") != d);
  CHECK(digest("ns1 A 192.0.2.1\nwww 60 A 192.0.2.2\nwww TXT \"hello\"\n") != d);
  CHECK(digest("ns1 A 192.0.2.1\nwww A 192.0.2.2\nwww TXT \"hellO\"\n") != d);
  CHECK(digest("ns1 A 192.0.2.1\nwwx A 192.0.2.2\nwww TXT \"hello\"\n") != d);
  CHECK(digest(base + "mail A 192.0.2.9\n") != d);
  CHECK(digest("ns1 A 192.0.2.1\nwww A 192.0.2.2\n") != d);
  // A record with empty RDATA (RFC 3597) has no RDATA buffer (found by fuzz_zone under UBSan).
  CHECK(digest(base + "empty TYPE65280 \\# 0\n") != d);
  CHECK(digest(base + "empty TYPE65280 \\# 0\n") == digest(base + "empty TYPE65280 \\# 0\n"));
}
