// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/zone/name_index.h"
#include "sgdns/zone/zone.h"

using namespace sgdns;

namespace {

struct Names {
  std::vector<std::vector<std::uint8_t>> wire;
  zone::NameIndex index;

  explicit Names(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
      wire.push_back(dns::name_from_text("h" + std::to_string(i) + ".example.test."));
    index.reset(wire.size());
    for (std::size_t i = 0; i < wire.size(); ++i) index.insert(hash(wire[i]), static_cast<std::int32_t>(i));
  }
  static std::uint64_t hash(const std::vector<std::uint8_t>& name) {
    return zone::name_hash(name.data(), name.size());
  }
  std::int32_t find(const std::vector<std::uint8_t>& name) const {
    return index.find(hash(name), [&](std::int32_t i) { return wire[static_cast<std::size_t>(i)] == name; });
  }
};

}  // namespace

TEST_CASE("NameIndex finds every name it holds and nothing else", "[zone][name_index]") {
  Names names(50'000);
  for (std::size_t i = 0; i < names.wire.size(); ++i)
    REQUIRE(names.find(names.wire[i]) == static_cast<std::int32_t>(i));
  for (int i = 0; i < 1000; ++i)
    CHECK(names.find(dns::name_from_text("nx" + std::to_string(i) + ".example.test.")) == -1);
  CHECK(names.find(dns::name_from_text("example.test.")) == -1);
}

TEST_CASE("NameIndex keeps colliding hashes apart by the caller's comparison", "[zone][name_index]") {
  zone::NameIndex index;
  index.reset(3);
  for (std::int32_t v : {0, 1, 2}) index.insert(42, v);  // one hash for all: the worst case
  for (std::int32_t v : {0, 1, 2}) CHECK(index.find(42, [&](std::int32_t i) { return i == v; }) == v);
  CHECK(index.find(42, [](std::int32_t) { return false; }) == -1);
  // Same slot, other upper half: the stored tags rule every entry out before the caller is asked.
  CHECK(index.find((std::uint64_t{1} << 32) | 42, [](std::int32_t) { return true; }) == -1);
}

TEST_CASE("NameIndex: an empty index finds nothing", "[zone][name_index]") {
  zone::NameIndex index;
  CHECK(index.find(1, [](std::int32_t) { return true; }) == -1);
  index.reset(0);
  CHECK(index.find(1, [](std::int32_t) { return true; }) == -1);
}

TEST_CASE("name_hash depends on every byte and on the length", "[zone][name_index]") {
  const auto a = dns::name_from_text("abcdefghijklmnop.example.");
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto b = a;
    b[i] ^= 0x01;
    INFO("byte " << i);
    CHECK(zone::name_hash(a.data(), a.size()) != zone::name_hash(b.data(), b.size()));
  }
  std::vector<std::uint8_t> zeros(16, 0);
  CHECK(zone::name_hash(zeros.data(), 8) != zone::name_hash(zeros.data(), 9));
}

TEST_CASE("Zone::find goes through the index with exact, lowercase names", "[zone][name_index]") {
  auto z = zone::Zone::build("example.test.",
                             zone::read_master_text("$ORIGIN example.test.\n@ 3600 IN SOA ns hm 1 2 3 4 5\n@ "
                                                    "IN NS ns\nns IN A 192.0.2.1\na.b.c IN A 192.0.2.2\n",
                                                    "test.zone", "example.test."));
  for (const char* present :
       {"example.test.", "ns.example.test.", "a.b.c.example.test.", "b.c.example.test.", "c.example.test."}) {
    auto name = dns::name_from_text(present);
    INFO(present);
    CHECK(z->find(name.data(), name.size()) != nullptr);
  }
  for (const char* absent : {"x.example.test.", "NS.example.test.", "test.", "b.example.test."}) {
    auto name = dns::name_from_text(absent);
    INFO(absent);
    CHECK(z->find(name.data(), name.size()) == nullptr);
  }
}
