// SPDX-License-Identifier: MIT
// The IXFR journal: diffs of compiled zones, the bounds, and the file form read back or refused.
#include <catch2/catch.hpp>
#include <string>

#include "sgdns/dns/name.h"
#include "sgdns/zone/error.h"
#include "sgdns/zone/journal.h"

using namespace sgdns;
using namespace sgdns::zone;

namespace {

std::shared_ptr<const Zone> make(std::uint32_t serial, const std::string& body) {
  const std::string text = "$ORIGIN j.test.\n$TTL 300\n@ IN SOA ns host " + std::to_string(serial) +
                           " 3600 600 86400 300\n@ IN NS ns\nns IN A 192.0.2.1\n" + body;
  return Zone::build("j.test.", read_master_text(text, "test", "j.test."));
}

std::vector<std::string> texts(std::span<const std::uint8_t> bytes) {
  std::vector<std::string> out;
  for_each_record(bytes, [&](const WireRecord& r) {
    out.push_back(dns::name_to_text(r.owner) + " " + std::to_string(r.type) + " " + std::to_string(r.ttl));
  });
  return out;
}

}  // namespace

TEST_CASE("diff lists removed and added records, SOAs first", "[zone][journal]") {
  auto a = make(1, "www IN A 192.0.2.80\nmail IN MX 10 ns\nkeep IN TXT \"same\"\n");
  auto b = make(2, "www IN A 192.0.2.81\nkeep IN TXT \"same\"\nnew IN AAAA 2001:db8::1\n");
  JournalChange c = diff(*a, *b);
  CHECK(c.from == 1);
  CHECK(c.to == 2);
  CHECK(texts(c.removed) ==
        std::vector<std::string>{"j.test. 6 300", "www.j.test. 1 300", "mail.j.test. 15 300"});
  CHECK(texts(c.added) ==
        std::vector<std::string>{"j.test. 6 300", "www.j.test. 1 300", "new.j.test. 28 300"});
  CHECK(c.removed_count == 3);
  CHECK(c.added_count == 3);

  auto ttl = make(3, "www IN A 192.0.2.81\nkeep 60 IN TXT \"same\"\nnew IN AAAA 2001:db8::1\n");
  JournalChange t = diff(*b, *ttl);
  CHECK(texts(t.removed) == std::vector<std::string>{"j.test. 6 300", "keep.j.test. 16 300"});
  CHECK(texts(t.added) == std::vector<std::string>{"j.test. 6 300", "keep.j.test. 16 60"});
}

TEST_CASE("the journal chains changes, is bounded, and survives its file form", "[zone][journal]") {
  std::vector<std::shared_ptr<const Zone>> versions;
  for (std::uint32_t s = 1; s <= 5; ++s)
    versions.push_back(make(s, "www IN A 192.0.2." + std::to_string(s) + "\n"));
  auto j = std::make_shared<const Journal>();
  JournalLimits limits;
  limits.max_changes = 3;
  for (std::size_t i = 1; i < versions.size(); ++i) j = j->with(diff(*versions[i - 1], *versions[i]), limits);
  REQUIRE(j->changes().size() == 3);  // 2->3, 3->4, 4->5: the oldest dropped
  CHECK(j->last_serial() == 5);
  CHECK(j->since(1).empty());  // no longer reaches back: a full transfer
  CHECK(j->since(2).size() == 3);
  CHECK(j->since(4).size() == 1);

  const std::string file = j->serialize();
  auto back = Journal::parse({reinterpret_cast<const std::uint8_t*>(file.data()), file.size()}, "j");
  REQUIRE(back->changes().size() == 3);
  CHECK(back->changes()[0].removed == j->changes()[0].removed);
  CHECK(back->changes()[2].added == j->changes()[2].added);

  std::string corrupt = file;
  corrupt[corrupt.size() - 20] ^= 1;
  CHECK_THROWS_WITH(
      Journal::parse({reinterpret_cast<const std::uint8_t*>(corrupt.data()), corrupt.size()}, "j"),
      Catch::Contains("checksum mismatch"));
  std::string cut = file.substr(0, file.size() - 3);
  CHECK_THROWS_WITH(Journal::parse({reinterpret_cast<const std::uint8_t*>(cut.data()), cut.size()}, "j"),
                    Catch::Contains("truncated"));
  CHECK_THROWS_WITH(Journal::parse({reinterpret_cast<const std::uint8_t*>("nope"), 4}, "j"),
                    Catch::Contains("bad header"));

  // A change that does not continue the newest starts the history over.
  auto jump = j->with(diff(*versions[0], *versions[1]), limits);
  CHECK(jump->changes().size() == 1);
  // A change larger than the byte bound empties the journal.
  limits.max_bytes = 10;
  CHECK(j->with(diff(*versions[3], *versions[4]), limits)->empty());
}
