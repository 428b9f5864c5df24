// SPDX-License-Identifier: MIT
// Unit tests for wire-format names: text conversion, comparison, and read_name against malformed packets.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

using namespace sgdns::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// Wire form of a name spelled as "3www7example3com0" would be hard to read; this builds it from labels.
Bytes wire(std::initializer_list<std::string_view> labels) {
  Bytes out;
  for (std::string_view label : labels) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
  }
  out.push_back(0);
  return out;
}

/// A packet with 12 zero header bytes followed by `body`, so offsets in tests match real messages.
Bytes packet(const Bytes& body) {
  Bytes out(kHeaderSize + body.size(), 0);
  std::copy(body.begin(), body.end(), out.begin() + kHeaderSize);
  return out;
}

struct ReadResult {
  std::size_t len;
  std::size_t off;
  Bytes name;
};

ReadResult read_at(const Bytes& pkt, std::size_t off, bool allow_compression = true) {
  std::uint8_t out[kMaxNameLen];
  std::size_t pos = off;
  const std::size_t len = read_name(pkt, pos, out, allow_compression);
  return {len, pos, Bytes(out, out + len)};
}

}  // namespace

TEST_CASE("name_from_text builds wire names", "[dns][name]") {
  CHECK(name_from_text("example.com.") == wire({"example", "com"}));
  CHECK(name_from_text("example.com") == wire({"example", "com"}));  // relative names become absolute
  CHECK(name_from_text(".") == Bytes{0});
  CHECK(name_from_text("Www.ExAmple.COM.") == wire({"Www", "ExAmple", "COM"}));  // case is kept
  CHECK(name_from_text("*.example.") == wire({"*", "example"}));
  CHECK(name_from_text("a\\.b.c.") == wire({"a.b", "c"}));
  CHECK(name_from_text("a\\\\b.") == wire({"a\\b"}));
  CHECK(name_from_text("\\000\\255x.") == Bytes{3, 0, 255, 'x', 0});
  CHECK(name_from_text("\\065.") == wire({"A"}));
}

TEST_CASE("name_from_text rejects bad names", "[dns][name]") {
  Bytes out;
  CHECK_FALSE(name_from_text("", out));
  CHECK_FALSE(name_from_text("..", out));
  CHECK_FALSE(name_from_text("a..b", out));
  CHECK_FALSE(name_from_text(".a", out));
  CHECK_FALSE(name_from_text("a.b..", out));
  CHECK_FALSE(name_from_text("a\\", out));
  CHECK_FALSE(name_from_text("a\\25", out));
  CHECK_FALSE(name_from_text("a\\256", out));
  CHECK_FALSE(name_from_text("a\\2x5", out));
  CHECK_THROWS_AS(name_from_text("a..b"), std::invalid_argument);
}

TEST_CASE("name_from_text enforces label and name length limits", "[dns][name]") {
  Bytes out;
  const std::string label63(63, 'a');
  CHECK(name_from_text(label63 + ".", out));
  CHECK(out.size() == 65);
  CHECK_FALSE(name_from_text(std::string(64, 'a') + ".", out));
  // Escaped bytes count once toward the label length.
  std::string escaped;
  for (int i = 0; i < 63; ++i) escaped += "\\046";
  CHECK(name_from_text(escaped, out));
  CHECK_FALSE(name_from_text(escaped + "\\046", out));

  // Three 63-byte labels plus one 61-byte label: 4 * 64 - 2 + root = 255 bytes exactly.
  const std::string max_name = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b') + ".";
  REQUIRE(name_from_text(max_name, out));
  CHECK(out.size() == kMaxNameLen);
  CHECK_FALSE(
      name_from_text(label63 + "." + label63 + "." + label63 + "." + std::string(62, 'b') + ".", out));
}

TEST_CASE("name_to_text prints presentation form", "[dns][name]") {
  CHECK(name_to_text(Bytes{0}.data()) == ".");
  CHECK(name_to_text(wire({"www", "Example", "com"}).data()) == "www.Example.com.");
  CHECK(name_to_text(wire({"_sip", "_tcp", "a-b"}).data()) == "_sip._tcp.a-b.");
  CHECK(name_to_text(wire({"a.b", "c"}).data()) == "a\\.b.c.");
  CHECK(name_to_text(wire({"*"}).data()) == "*.");
  CHECK(name_to_text(Bytes{3, 0, ' ', 0xff, 0}.data()) == "\\000\\032\\255.");
}

TEST_CASE("text and wire names round trip", "[dns][name]") {
  for (const char* text : {".", "example.com.", "A.b-C._d.", "a\\.b.c.", "\\000\\001\\127\\200.x.", "*.x."}) {
    const Bytes w = name_from_text(text);
    CHECK(name_to_text(w.data()) == text);
    CHECK(name_from_text(name_to_text(w.data())) == w);
  }
  // Every byte value survives text and back; two names because all 256 would not fit in one.
  for (int half = 0; half < 2; ++half) {
    Bytes name;
    for (int b = 128 * half; b < 128 * (half + 1); b += 4) {
      name.push_back(4);
      for (int i = 0; i < 4; ++i) name.push_back(static_cast<std::uint8_t>(b + i));
    }
    name.push_back(0);
    CHECK(name_from_text(name_to_text(name.data())) == name);
  }
}

TEST_CASE("name_length, label_count and parent_name walk labels", "[dns][name]") {
  const Bytes name = wire({"www", "example", "com"});
  CHECK(name_length(name.data()) == name.size());
  CHECK(name_length(Bytes{0}.data()) == 1);
  CHECK(label_count(name.data()) == 3);
  CHECK(label_count(Bytes{0}.data()) == 0);
  const std::uint8_t* parent = parent_name(name.data());
  REQUIRE(parent != nullptr);
  CHECK(name_to_text(parent) == "example.com.");
  parent = parent_name(parent_name(parent));
  REQUIRE(parent != nullptr);
  CHECK(parent[0] == 0);
  CHECK(parent_name(parent) == nullptr);
}

TEST_CASE("name_to_lower folds ASCII letters only", "[dns][name]") {
  Bytes name = Bytes{3, 'A', 'z', 'Q', 4, '@', '[', 0xC1, 'M', 0};
  name_to_lower(name.data(), name.size());
  CHECK(name == Bytes{3, 'a', 'z', 'q', 4, '@', '[', 0xC1, 'm', 0});
  Bytes long_label = name_from_text(std::string(63, 'X') + ".");
  name_to_lower(long_label.data(), long_label.size());
  CHECK(long_label[0] == 63);
  CHECK(long_label[1] == 'x');
}

TEST_CASE("name_equal is case-insensitive and exact on structure", "[dns][name]") {
  CHECK(name_equal(wire({"Example", "COM"}).data(), wire({"example", "com"}).data()));
  CHECK(name_equal(Bytes{0}.data(), Bytes{0}.data()));
  CHECK_FALSE(name_equal(wire({"example", "com"}).data(), wire({"example", "org"}).data()));
  CHECK_FALSE(name_equal(wire({"ab", "c"}).data(), wire({"a", "bc"}).data()));
  CHECK_FALSE(name_equal(wire({"example", "com"}).data(), wire({"com"}).data()));
  CHECK_FALSE(name_equal(wire({"a"}).data(), Bytes{0}.data()));
  // '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
  CHECK_FALSE(name_equal(wire({"@"}).data(), wire({"`"}).data()));
}

TEST_CASE("is_subdomain compares whole labels", "[dns][name]") {
  const Bytes zone = wire({"example", "com"});
  CHECK(is_subdomain(zone.data(), zone.data()));
  CHECK(is_subdomain(wire({"www", "EXAMPLE", "com"}).data(), zone.data()));
  CHECK(is_subdomain(wire({"a", "b", "example", "com"}).data(), zone.data()));
  CHECK_FALSE(is_subdomain(wire({"xexample", "com"}).data(), zone.data()));
  CHECK_FALSE(is_subdomain(wire({"example", "org"}).data(), zone.data()));
  CHECK_FALSE(is_subdomain(wire({"com"}).data(), zone.data()));
  CHECK_FALSE(is_subdomain(Bytes{0}.data(), zone.data()));
  CHECK(is_subdomain(zone.data(), Bytes{0}.data()));  // everything is below the root
  CHECK(is_subdomain(Bytes{0}.data(), Bytes{0}.data()));
}

TEST_CASE("read_name reads uncompressed names", "[dns][name]") {
  Bytes body = wire({"Www", "Example", "com"});
  body.push_back(0xAA);  // whatever follows the name
  const Bytes pkt = packet(body);
  const ReadResult r = read_at(pkt, kHeaderSize, false);
  CHECK(r.len == 17);
  CHECK(r.off == kHeaderSize + 17);
  CHECK(r.name == wire({"Www", "Example", "com"}));  // case is preserved

  const Bytes root = packet({0});
  const ReadResult rr = read_at(root, kHeaderSize, false);
  CHECK(rr.len == 1);
  CHECK(rr.off == kHeaderSize + 1);
}

TEST_CASE("read_name follows backward compression pointers", "[dns][name]") {
  // 12: example.com   25: www + ptr(12)   31: mail + ptr(25) (pointer to a name that itself ends in a
  // pointer)
  Bytes body = wire({"example", "com"});
  body.insert(body.end(), {3, 'w', 'w', 'w', 0xC0, 12});
  body.insert(body.end(), {4, 'm', 'a', 'i', 'l', 0xC0, 25});
  body.insert(body.end(), {0xC0, 20});  // 38: pointer straight to "com"
  const Bytes pkt = packet(body);

  ReadResult r = read_at(pkt, 25);
  CHECK(r.name == wire({"www", "example", "com"}));
  CHECK(r.off == 31);  // just past the first pointer, not where the pointer led
  r = read_at(pkt, 31);
  CHECK(r.name == wire({"mail", "www", "example", "com"}));
  CHECK(r.off == 38);
  r = read_at(pkt, 38);
  CHECK(r.name == wire({"com"}));
  CHECK(r.off == 40);

  // The same names are refused when compression is not allowed.
  CHECK(read_at(pkt, 25, false).len == 0);
  CHECK(read_at(pkt, 38, false).len == 0);
}

TEST_CASE("read_name rejects pointer loops and forward pointers", "[dns][name]") {
  SECTION("pointer to itself") {
    CHECK(read_at(packet({0xC0, 12}), 12).len == 0);
  }
  SECTION("pointer to the start of its own name") {
    CHECK(read_at(packet({1, 'a', 0xC0, 12}), 12).len == 0);
  }
  SECTION("pointer into the middle of its own name piece") {
    CHECK(read_at(packet({1, 'a', 1, 'b', 0xC0, 14}), 12).len == 0);
  }
  SECTION("forward pointer") {
    CHECK(read_at(packet({0xC0, 14, 0}), 12).len == 0);
  }
  SECTION("two pointers pointing at each other") {
    // 12: ptr(14)  14: ptr(12). Starting at 14 the first jump is backwards, the second is not.
    CHECK(read_at(packet({0xC0, 14, 0xC0, 12}), 14).len == 0);
    CHECK(read_at(packet({0xC0, 14, 0xC0, 12}), 12).len == 0);
  }
  SECTION("a longer cycle through labels") {
    // 12: "a" ptr(16)  16: "b" ptr(12)
    CHECK(read_at(packet({1, 'a', 0xC0, 16, 1, 'b', 0xC0, 12}), 16).len == 0);
  }
  SECTION("pointer past the end of the packet") {
    CHECK(read_at(packet({0, 0xC3, 0xFF}), 13).len == 0);
  }
}

TEST_CASE("read_name rejects reserved label types", "[dns][name]") {
  CHECK(read_at(packet({0x40, 'a', 0}), 12).len == 0);  // extended label type (RFC 6891 deprecated it)
  CHECK(read_at(packet({0x80, 'a', 0}), 12).len == 0);
  CHECK(read_at(packet({1, 'a', 0x41, 0}), 12).len == 0);
  CHECK(read_at(packet({0x7F, 0}), 12).len == 0);
}

TEST_CASE("read_name rejects truncated names", "[dns][name]") {
  CHECK(read_at(packet({}), 12).len == 0);                  // nothing at the offset
  CHECK(read_at(packet({3, 'w', 'w'}), 12).len == 0);       // label runs past the end
  CHECK(read_at(packet({3, 'w', 'w', 'w'}), 12).len == 0);  // no root label
  CHECK(read_at(packet({0, 1, 'a', 0xC0}), 13).len == 0);   // pointer cut in half
  CHECK(read_at(packet({0}), 200).len == 0);                // offset beyond the packet
  // On failure the offset is left alone.
  const Bytes pkt = packet({3, 'w', 'w'});
  std::size_t off = 12;
  std::uint8_t out[kMaxNameLen];
  CHECK(read_name(pkt, off, out, true) == 0);
  CHECK(off == 12);
}

TEST_CASE("read_name enforces the 255-byte limit", "[dns][name]") {
  const std::string label63(63, 'a');
  Bytes max_name = name_from_text(label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b') + ".");
  REQUIRE(max_name.size() == 255);
  CHECK(read_at(packet(max_name), 12).len == 255);

  // One byte more, spelled out on the wire.
  Bytes too_long;
  for (int i = 0; i < 3; ++i) {
    too_long.push_back(63);
    too_long.insert(too_long.end(), 63, 'a');
  }
  too_long.push_back(62);
  too_long.insert(too_long.end(), 62, 'b');
  too_long.push_back(0);
  REQUIRE(too_long.size() == 256);
  CHECK(read_at(packet(too_long), 12).len == 0);

  // 128 one-byte labels are too long as well, even though every label is tiny.
  Bytes many_labels;
  for (int i = 0; i < 128; ++i) many_labels.insert(many_labels.end(), {1, 'x'});
  many_labels.push_back(0);
  CHECK(read_at(packet(many_labels), 12).len == 0);
  many_labels.erase(many_labels.begin(), many_labels.begin() + 2);  // 127 labels: 255 bytes
  CHECK(read_at(packet(many_labels), 12).len == 255);
}

TEST_CASE("read_name refuses names that grow past 255 bytes through pointers", "[dns][name]") {
  // A chain of names each adding a 63-byte label in front of the previous one.
  Bytes body = {0};  // 12: root
  std::size_t prev = 12;
  std::vector<std::size_t> starts;
  for (int i = 0; i < 5; ++i) {
    starts.push_back(kHeaderSize + body.size());
    body.push_back(63);
    body.insert(body.end(), 63, static_cast<std::uint8_t>('a' + i));
    body.push_back(static_cast<std::uint8_t>(0xC0 | (prev >> 8)));
    body.push_back(static_cast<std::uint8_t>(prev & 0xFF));
    prev = starts.back();
  }
  const Bytes pkt = packet(body);
  CHECK(read_at(pkt, starts[2]).len == 3 * 64 + 1);
  CHECK(read_at(pkt, starts[3]).len == 0);  // 4 * 64 + 1 = 257
  CHECK(read_at(pkt, starts[4]).len == 0);
}

TEST_CASE("read_name survives random input", "[dns][name]") {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> size(0, 80);
  std::uint8_t out[kMaxNameLen];
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes pkt(static_cast<std::size_t>(size(rng)));
    for (auto& b : pkt) {
      // Bias towards small lengths and pointers so names actually parse sometimes.
      const int r = byte(rng);
      b = static_cast<std::uint8_t>(r < 64 ? r % 8 : r < 96 ? 0xC0 : r);
    }
    for (std::size_t start = 0; start <= pkt.size(); ++start) {
      std::size_t off = start;
      // The vector is exactly the packet's size, so ASan catches any read past the end.
      const std::size_t len =
          read_name(std::span<const std::uint8_t>(pkt.data(), pkt.size()), off, out, true);
      if (len != 0) {
        REQUIRE(len <= kMaxNameLen);
        REQUIRE(name_length(out) == len);
        REQUIRE(off > start);
        REQUIRE(off <= pkt.size());
      }
    }
  }
}
