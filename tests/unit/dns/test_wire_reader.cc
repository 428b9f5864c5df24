// SPDX-License-Identifier: MIT
// Unit tests for WireReader: bounded reads, the sticky error, sub-readers, names, RRs and TCP frames.
#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <vector>

#include "sgdns/dns/types.h"
#include "sgdns/dns/wire_reader.h"

using namespace sgdns::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::span<const std::uint8_t> view(const Bytes& b) {
  return {b.data(), b.size()};
}

}  // namespace

TEST_CASE("WireReader reads big-endian fields in order", "[dns][wire_reader]") {
  const Bytes b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  WireReader r(view(b));
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0203);
  CHECK(r.u32() == 0x04050607u);
  CHECK(r.ok());
  CHECK(r.at_end());
  CHECK(r.offset() == 7);
}

TEST_CASE("WireReader's error is sticky: a short read fails every later one", "[dns][wire_reader]") {
  const Bytes b = {0xAA, 0xBB, 0xCC};
  WireReader r(view(b));
  CHECK(r.u16() == 0xAABB);
  CHECK(r.u16() == 0);  // one byte left: not enough
  CHECK_FALSE(r.ok());
  CHECK(r.available() == 0);
  // The byte that was there is not handed out after the error.
  CHECK(r.u8() == 0);
  CHECK(r.group<1>() == nullptr);
  CHECK_FALSE(r.ok());
}

TEST_CASE("WireReader::group takes a fixed group whole or not at all", "[dns][wire_reader]") {
  const Bytes b = {0, 1, 0, 2, 0, 0, 0, 3, 9};
  WireReader r(view(b));
  const std::uint8_t* g = r.group<8>();
  REQUIRE(g != nullptr);
  CHECK(load_u16(g) == 1);
  CHECK(load_u16(g + 2) == 2);
  CHECK(load_u32(g + 4) == 3);
  CHECK(r.group<2>() == nullptr);
  CHECK_FALSE(r.ok());
}

TEST_CASE("WireReader::sub bounds an inner reader and moves the outer past it", "[dns][wire_reader]") {
  const Bytes b = {1, 2, 3, 4, 5};
  WireReader r(view(b));
  WireReader inner = r.sub(3);
  CHECK(r.ok());
  CHECK(r.u8() == 4);
  CHECK(inner.u16() == 0x0102);
  CHECK(inner.u16() == 0);  // the 4th byte belongs to the outer reader
  CHECK_FALSE(inner.ok());
  CHECK(r.ok());               // the inner error does not leak out
  WireReader past = r.sub(2);  // one byte left
  CHECK_FALSE(past.ok());
  CHECK_FALSE(r.ok());
}

TEST_CASE("WireReader::name follows a backward pointer and refuses a forward one", "[dns][wire_reader]") {
  // "a." at 0, then a pointer to it at 3, then a pointer forward to 7 (itself).
  const Bytes b = {1, 'a', 0, 0xC0, 0x00, 0xC0, 0x05};
  std::uint8_t out[kMaxNameLen];
  WireReader r(view(b));
  CHECK(r.name(out, true) == 3);
  CHECK(r.name(out, true) == 3);  // uncompressed length of "a."
  CHECK(r.offset() == 5);
  CHECK(out[0] == 1);
  CHECK(out[1] == 'a');
  CHECK(r.name(out, true) == 0);
  CHECK_FALSE(r.ok());

  WireReader no_compression(view(b));
  no_compression.skip(3);
  CHECK(no_compression.name(out, false) == 0);
  CHECK_FALSE(no_compression.ok());
}

TEST_CASE("read_rr splits an RR into owner, fixed part and RDATA", "[dns][wire_reader]") {
  const Bytes b = {0, 0, 41, 0x04, 0xD0, 0x00, 0x00, 0x80, 0x00, 0, 2, 0xDE, 0xAD, 0xFF};
  std::uint8_t owner[kMaxNameLen];
  RrHeader header;
  WireReader rdata(std::span<const std::uint8_t>{});
  WireReader r(view(b));
  CHECK(read_rr(r, owner, header, rdata) == 1);
  CHECK(header.type == 41);
  CHECK(header.rclass == 1232);
  CHECK(header.ttl == 0x8000u);
  CHECK(rdata.u16() == 0xDEAD);
  CHECK(rdata.at_end());
  CHECK(r.u8() == 0xFF);

  SECTION("an RDLENGTH past the end fails") {
    WireReader s(view(b).first(b.size() - 2));  // one RDATA byte short
    CHECK(read_rr(s, owner, header, rdata) == 0);
    CHECK_FALSE(s.ok());
  }
  SECTION("a fixed part cut short fails") {
    WireReader s(view(b).first(6));
    CHECK(read_rr(s, owner, header, rdata) == 0);
    CHECK_FALSE(s.ok());
  }
}

TEST_CASE("read_frame splits a TCP stream into messages", "[dns][wire_reader]") {
  const Bytes b = {0, 2, 'x', 'y', 0, 3, 'a', 'b'};
  WireReader r(view(b));
  std::span<const std::uint8_t> msg;
  REQUIRE(read_frame(r, msg) == FrameStatus::Complete);
  CHECK(msg.size() == 2);
  CHECK(msg[0] == 'x');
  CHECK(r.offset() == 4);
  // The second frame announces 3 bytes and has 2: it waits for the rest without moving.
  CHECK(read_frame(r, msg) == FrameStatus::Incomplete);
  CHECK(r.offset() == 4);
  CHECK(r.ok());

  const Bytes one_byte = {0};
  WireReader half(view(one_byte));
  CHECK(read_frame(half, msg) == FrameStatus::Incomplete);
  CHECK(half.offset() == 0);

  const Bytes empty = {0, 0, 0, 1, 'z'};
  WireReader e(view(empty));
  CHECK(read_frame(e, msg) == FrameStatus::Empty);
}
