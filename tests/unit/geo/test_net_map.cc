// SPDX-License-Identifier: MIT
// Tests for NetMapBuilder/NetMap: inserts, overrides, sibling merging, both families and ECS scopes.
#include <arpa/inet.h>
#include <sys/un.h>
#define CATCH_CONFIG_ENABLE_PAIR_STRINGMAKER
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "geo_test_util.h"
#include "sgdns/geo/net_map.h"

namespace {

using geo_test::address;
using geo_test::net;
using sgdns::geo::MapResult;
using sgdns::geo::NetMap;
using sgdns::geo::NetMapBuilder;
using sgdns::geo::Network;

/// Looks `text` up through the family-specific entry point (lookup_v4 or lookup_v6).
MapResult find(const NetMap& map, const std::string& text) {
  std::uint8_t bytes[16] = {};
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return map.lookup_v4(bytes);
  REQUIRE(inet_pton(AF_INET6, text.c_str(), bytes) == 1);
  return map.lookup_v6(bytes);
}

/// {value, prefix_length} as a pair so a failing CHECK prints both.
std::pair<unsigned, unsigned> at(const NetMap& map, const std::string& text) {
  const MapResult result = find(map, text);
  return {result.value, result.prefix_length};
}

using P = std::pair<unsigned, unsigned>;

NetMap build(std::uint32_t default_value, const std::vector<std::pair<std::string, std::uint32_t>>& inserts) {
  NetMapBuilder builder(default_value);
  for (const auto& [network, value] : inserts) builder.insert(net(network), value);
  return builder.build();
}

}  // namespace

TEST_CASE("an empty builder maps everything to the default with scope 0", "[geo]") {
  const NetMap map = NetMapBuilder(7).build();
  CHECK(map.node_count() == 0);
  CHECK(map.default_value() == 7);
  CHECK(at(map, "192.0.2.1") == P{7, 0});
  CHECK(at(map, "2001:db8::1") == P{7, 0});
  CHECK(at(map, "::ffff:192.0.2.1") == P{7, 0});
  CHECK(map.lookup(address("198.51.100.1").get()).value == 7);
}

TEST_CASE("a default-constructed NetMap answers 0 with scope 0", "[geo]") {
  const NetMap map;
  CHECK(at(map, "192.0.2.1") == P{0, 0});
  CHECK(at(map, "2001:db8::1") == P{0, 0});
}

TEST_CASE("adjacent networks with the same value merge into their parent's scope", "[geo]") {
  const NetMap map = build(0, {{"10.0.0.0/25", 1}, {"10.0.0.128/25", 1}});
  CHECK(at(map, "10.0.0.5") == P{1, 24});
  CHECK(at(map, "10.0.0.200") == P{1, 24});

  SECTION("merging cascades up to the root") {
    const NetMap all = build(4, {{"::/1", 4}, {"8000::/1", 4}});
    CHECK(all.node_count() == 0);
    CHECK(at(all, "10.0.0.1") == P{4, 0});
    CHECK(at(all, "2001:db8::1") == P{4, 0});
  }
  SECTION("a network set to the default merges with its default neighbour") {
    const NetMap back = build(0, {{"10.0.0.0/24", 0}});
    CHECK(back.node_count() == 0);
    CHECK(at(back, "10.0.0.1") == P{0, 0});
  }
}

TEST_CASE("adjacent networks with different values keep their own scope", "[geo]") {
  const NetMap map = build(0, {{"10.0.1.0/25", 1}, {"10.0.1.128/25", 2}});
  CHECK(at(map, "10.0.1.5") == P{1, 25});
  CHECK(at(map, "10.0.1.130") == P{2, 25});
}

TEST_CASE("a later insert replaces everything earlier inside its range", "[geo]") {
  SECTION("broad after specific") {
    const NetMap map = build(0, {{"10.0.0.0/24", 1}, {"10.0.0.0/26", 2}, {"10.0.0.0/16", 3}});
    CHECK(at(map, "10.0.0.1") == P{3, 16});
    CHECK(at(map, "10.0.0.200") == P{3, 16});
    CHECK(map.node_count() == build(0, {{"10.0.0.0/16", 3}}).node_count());
  }
  SECTION("specific after broad") {
    const NetMap map = build(0, {{"10.0.0.0/8", 1}, {"10.1.0.0/16", 2}});
    CHECK(at(map, "10.1.2.3") == P{2, 16});
    CHECK(at(map, "10.0.2.3") == P{1, 16});
    // 10.2.0.0/15 is the sibling subtree where the split path to 10.1.0.0/16 left the /8 intact.
    CHECK(at(map, "10.2.0.1") == P{1, 15});
    CHECK(at(map, "10.200.0.1") == P{1, 9});
  }
}

TEST_CASE("unmapped addresses get the default with the scope of the gap", "[geo]") {
  const NetMap map = build(9, {{"10.0.0.0/8", 1}});
  CHECK(at(map, "11.0.0.1") == P{9, 8});     // 11.0.0.0/8 is 10.0.0.0/8's sibling
  CHECK(at(map, "192.0.2.1") == P{9, 1});    // 128.0.0.0/1
  CHECK(at(map, "2001:db8::1") == P{9, 3});  // 2000::/3 leaves the path to ::/96 at its third bit
}

TEST_CASE("IPv6 networks and prefix lengths", "[geo]") {
  const NetMap map = build(0, {{"2001:db8::/32", 3}, {"2001:db8:1::/48", 4}});
  CHECK(at(map, "2001:db8::1") == P{3, 48});  // split down to /48 beside 2001:db8:1::/48
  CHECK(at(map, "2001:db8:8000::1") == P{3, 33});
  CHECK(at(map, "2001:db8:1::1") == P{4, 48});
  CHECK(at(map, "2001:db9::1") == P{0, 32});
  CHECK(map.lookup(address("2001:db8:1:2::3").get()).value == 4);
}

TEST_CASE("IPv4 lookups start at ::/96 and report IPv4 prefix lengths", "[geo]") {
  const NetMap map = build(0, {{"192.0.2.0/24", 5}, {"2001:db8::/32", 6}});
  CHECK(at(map, "192.0.2.77") == P{5, 24});
  CHECK(at(map, "192.0.3.1") == P{0, 24});
  CHECK(map.lookup(address("192.0.2.1").get()).value == 5);
  // The same address in IPv6 form walks from the root and reports IPv6 terms.
  CHECK(at(map, "::192.0.2.77") == P{5, 120});

  SECTION("when ::/96 lies inside one leaf higher up, IPv4 scope is 0") {
    const NetMap v6_only = build(0, {{"2001:db8::/32", 6}});
    CHECK(at(v6_only, "192.0.2.1") == P{0, 0});
    CHECK(at(v6_only, "2001:db8::1") == P{6, 32});
  }
}

TEST_CASE("IPv4 lookups agree on both sides of the /16 start table", "[geo]") {
  // Lookups start from a table of where each /16 sits in the trie: leaves above, at and below it.
  const NetMap map =
      build(0, {{"10.0.0.0/15", 1}, {"10.2.0.0/16", 2}, {"10.3.0.0/17", 3}, {"10.3.128.1/32", 4}});
  CHECK(at(map, "10.1.255.255") == P{1, 15});
  CHECK(at(map, "10.2.0.1") == P{2, 16});
  CHECK(at(map, "10.3.127.0") == P{3, 17});
  CHECK(at(map, "10.3.128.1") == P{4, 32});
  CHECK(at(map, "10.3.128.0") == P{0, 32});
  CHECK(at(map, "10.3.128.2") == P{0, 31});
  CHECK(at(map, "10.4.0.0") == P{0, 14});  // 10.4.0.0/14 is the sibling of 10.0.0.0/14
  CHECK(at(map, "0.0.0.0") == P{0, 5});
  CHECK(at(map, "255.255.255.255") == P{0, 1});
}

TEST_CASE("IPv4-mapped IPv6 addresses are looked up as IPv4, scope in IPv6 terms", "[geo]") {
  const NetMap map = build(0, {{"192.0.2.0/24", 5}, {"2001:db8::/32", 6}});
  CHECK(at(map, "::ffff:192.0.2.7") == P{5, 120});
  CHECK(at(map, "::ffff:198.51.100.1") == P{0, 96 + 6});  // 196.0.0.0/6 holds no inserts
  CHECK(map.lookup(address("::ffff:192.0.2.7").get()).value == 5);
  // Data inserted at ::ffff:0:0/96 itself is never seen: mapped addresses fold to ::/96.
  const NetMap folded = build(0, {{"2001:db8::/32", 6}, {"::ffff:192.0.2.0/120", 8}});
  CHECK(at(folded, "::ffff:192.0.2.1").first == 0);
}

TEST_CASE("prefix lengths at the edges: /0, /32 and /128", "[geo]") {
  SECTION("IPv4 /0 is ::/96") {
    const NetMap map = build(0, {{"0.0.0.0/0", 2}, {"2001:db8::/32", 6}});
    CHECK(at(map, "203.0.113.9") == P{2, 0});
    CHECK(at(map, "::203.0.113.9") == P{2, 96});
    CHECK(at(map, "::ffff:203.0.113.9") == P{2, 96});
  }
  SECTION("::/0") {
    const NetMap map = build(0, {{"2001:db8::/32", 6}, {"::/0", 1}});
    CHECK(map.node_count() == 0);
    CHECK(at(map, "2001:db8::1") == P{1, 0});
    CHECK(at(map, "203.0.113.9") == P{1, 0});
  }
  SECTION("IPv4 /32") {
    const NetMap map = build(0, {{"192.0.2.1/32", 5}});
    CHECK(at(map, "192.0.2.1") == P{5, 32});
    CHECK(at(map, "192.0.2.0") == P{0, 32});
    CHECK(at(map, "::ffff:192.0.2.1") == P{5, 128});
  }
  SECTION("IPv6 /128") {
    const NetMap map = build(0, {{"2001:db8::1/128", 6}});
    CHECK(at(map, "2001:db8::1") == P{6, 128});
    CHECK(at(map, "2001:db8::") == P{0, 128});
  }
}

TEST_CASE("lookup(sockaddr) dispatches on the family", "[geo]") {
  const NetMap map = build(3, {{"192.0.2.0/24", 5}, {"2001:db8::/32", 6}});
  CHECK(map.lookup(address("192.0.2.1").get()).value == 5);
  CHECK(map.lookup(address("2001:db8::1").get()).value == 6);
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  const MapResult other = map.lookup(reinterpret_cast<const sockaddr*>(&unix_address));
  CHECK(other.value == 3);
  CHECK(other.prefix_length == 0);
  CHECK(map.lookup(nullptr).value == 3);
}

TEST_CASE("node_count shrinks when siblings merge", "[geo]") {
  NetMapBuilder same(0);
  NetMapBuilder alternating(0);
  for (int i = 0; i < 256; ++i) {
    const std::string network = "10.0." + std::to_string(i) + ".0/24";
    same.insert(net(network), 1);
    alternating.insert(net(network), 1 + static_cast<std::uint32_t>(i % 2));
  }
  // One node per bit down to 10.0.0.0/16 (depth 112), and below it a full tree over 256 /24s. The header's
  CHECK(same.build().node_count() == 112);
  CHECK(alternating.build().node_count() == 112 + 255);
  CHECK(at(same.build(), "10.0.77.1") == P{1, 16});
}

TEST_CASE("values and prefix lengths out of range are rejected", "[geo]") {
  NetMapBuilder builder(0);
  CHECK_THROWS_AS(builder.insert(net("10.0.0.0/8"), 0x80000000u), std::invalid_argument);
  CHECK_NOTHROW(builder.insert(net("10.0.0.0/8"), 0x7fffffffu));
  CHECK(at(builder.build(), "10.1.1.1").first == 0x7fffffffu);
  CHECK_THROWS_AS(NetMapBuilder(0x80000000u), std::invalid_argument);
  const std::uint8_t bytes[16] = {};
  CHECK_THROWS_AS(Network::from_v4(bytes, 33), std::invalid_argument);
  CHECK_THROWS_AS(Network::from_v6(bytes, 129), std::invalid_argument);
  Network bad;
  bad.prefix_length = 129;
  CHECK_THROWS_AS(builder.insert(bad, 1), std::invalid_argument);
}

TEST_CASE("Network constructors clear host bits", "[geo]") {
  const Network network = net("192.0.2.77/24");
  CHECK(geo_test::text(network) == "192.0.2.0/24");
  CHECK(network.prefix_length == 120);
  CHECK(geo_test::text(net("2001:db8:ffff::1/33")) == "2001:db8:8000::/33");
}

// Against a naive model: the value is the last insert containing the address, and every address inside
// the reported scope must get the same value (the scope is never too broad).
TEST_CASE("random inserts agree with a naive last-insert-wins model", "[geo]") {
  std::mt19937_64 random(20240101);
  struct Insert {
    Network network;
    std::uint32_t value;
  };
  auto contains = [](const Network& network, const std::uint8_t* address) {
    for (int bit = 0; bit < network.prefix_length; ++bit) {
      const int mask = 0x80 >> (bit & 7);
      if ((network.address[bit >> 3] & mask) != (address[bit >> 3] & mask)) return false;
    }
    return true;
  };
  // Addresses clustered under a few prefixes so inserts overlap and override each other.
  auto random_address = [&](std::uint8_t(&out)[16]) {
    static constexpr std::uint8_t kBases[3][4] = {{0, 0, 0, 0}, {0x20, 0x01, 0x0d, 0xb8}, {0, 0, 0, 0}};
    const auto base = random() % 3;
    for (auto& byte : out) byte = static_cast<std::uint8_t>(random());
    std::memcpy(out, kBases[base], 4);
    if (base != 1) std::memset(out, 0, 12);  // IPv4 space (::/96), twice as likely
    if (base == 2) out[12] = 10;
  };
  for (int round = 0; round < 10; ++round) {
    NetMapBuilder builder(0);
    std::vector<Insert> inserts;
    for (int i = 0; i < 200; ++i) {
      std::uint8_t bytes[16];
      random_address(bytes);
      const bool v4 = bytes[0] == 0;
      const int length = v4 ? 96 + static_cast<int>(random() % 33) : static_cast<int>(random() % 129);
      const Network network = Network::from_v6(bytes, length);
      const auto value = static_cast<std::uint32_t>(random() % 4);
      builder.insert(network, value);
      inserts.push_back({network, value});
    }
    const NetMap map = builder.build();
    auto expected = [&](const std::uint8_t* address) {
      std::uint32_t value = 0;
      for (const Insert& insert : inserts) {
        if (contains(insert.network, address)) value = insert.value;
      }
      return value;
    };
    for (int probe = 0; probe < 200; ++probe) {
      std::uint8_t bytes[16];
      random_address(bytes);
      const MapResult result = map.lookup_v6(bytes);
      REQUIRE(result.value == expected(bytes));
      if (bytes[0] == 0) {  // IPv4: the cached ::/96 entry must agree with the walk from the root
        const MapResult v4 = map.lookup_v4(bytes + 12);
        REQUIRE(v4.value == result.value);
        REQUIRE(v4.prefix_length == std::max(0, result.prefix_length - 96));
      }
      for (int sibling = 0; sibling < 8; ++sibling) {
        std::uint8_t other[16];
        std::memcpy(other, bytes, sizeof other);
        for (int bit = result.prefix_length; bit < 128; ++bit) {
          if (random() % 2)
            other[bit >> 3] = static_cast<std::uint8_t>(other[bit >> 3] ^ (0x80 >> (bit & 7)));
        }
        REQUIRE(expected(other) == result.value);
      }
    }
  }
}
