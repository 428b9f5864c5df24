// SPDX-License-Identifier: MIT
// Unit tests for the message writer: header and counts, name compression, RDATA handling, limits, rollback.
#include <stdbool.h>  // before ldns, which otherwise defines a bool macro (clang)

#include <ldns/ldns.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/writer.h"

using namespace sgdns::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes N(std::string_view text) {
  return name_from_text(text);
}

Bytes written(const Writer& w) {
  return Bytes(w.data(), w.data() + w.size());
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::uint16_t u16_at(const Bytes& b, std::size_t off) {
  return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
}

/// Every RR of one section as ldns prints it (without the trailing newline), so tests can state the expected
/// records in presentation form and know an independent decoder agrees.
std::vector<std::string> ldns_section(const Bytes& msg, ldns_pkt_section section) {
  ldns_pkt* pkt = nullptr;
  REQUIRE(ldns_wire2pkt(&pkt, msg.data(), msg.size()) == LDNS_STATUS_OK);
  ldns_rr_list* list = nullptr;
  switch (section) {
    case LDNS_SECTION_QUESTION:
      list = ldns_pkt_question(pkt);
      break;
    case LDNS_SECTION_ANSWER:
      list = ldns_pkt_answer(pkt);
      break;
    case LDNS_SECTION_AUTHORITY:
      list = ldns_pkt_authority(pkt);
      break;
    default:
      list = ldns_pkt_additional(pkt);
      break;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    char* text = ldns_rr2str(ldns_rr_list_rr(list, i));
    std::string line(text);
    LDNS_FREE(text);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    out.push_back(line);
  }
  ldns_pkt_free(pkt);
  return out;
}

/// Decodes a message with our own read_name: "owner type rdata-names..." per RR, question entries as
/// "owner type". Names inside RDATA are expanded for the compressible types, so the result shows what a
/// client would see.
std::vector<std::string> decode(const Bytes& msg) {
  std::vector<std::string> out;
  std::size_t pos = kHeaderSize;
  std::uint8_t name[kMaxNameLen];
  const std::span<const std::uint8_t> pkt(msg);
  auto read = [&](std::size_t& at) -> std::string {
    const std::size_t len = read_name(pkt, at, name, true);
    REQUIRE(len != 0);
    return name_to_text(name);
  };
  const std::uint16_t qd = u16_at(msg, 4);
  const unsigned rrs = u16_at(msg, 6) + u16_at(msg, 8) + u16_at(msg, 10);
  for (unsigned i = 0; i < qd; ++i) {
    std::string line = read(pos);
    line += " " + std::to_string(u16_at(msg, pos));
    pos += 4;
    out.push_back(line);
  }
  for (unsigned i = 0; i < rrs; ++i) {
    std::string line = read(pos);
    const std::uint16_t type = u16_at(msg, pos);
    const std::size_t rdlen = u16_at(msg, pos + 8);
    pos += 10;
    const std::size_t rdata = pos;
    line += " " + std::to_string(type);
    std::size_t at = rdata;
    switch (type) {
      case rrtype::kNS:
      case rrtype::kCNAME:
      case rrtype::kPTR:
        line += " " + read(at);
        break;
      case rrtype::kMX:
        at += 2;
        line += " " + read(at);
        break;
      case rrtype::kSOA:
        line += " " + read(at);
        line += " " + read(at);
        at += 20;
        break;
      default:
        at += rdlen;
        break;
    }
    CHECK(at == rdata + rdlen);  // RDLENGTH matches what the RDATA holds
    pos = rdata + rdlen;
    out.push_back(line);
  }
  CHECK(pos == msg.size());
  return out;
}

/// SOA RDATA in uncompressed wire form.
Bytes soa_rdata(std::string_view mname, std::string_view rname) {
  Bytes out = concat({N(mname), N(rname)});
  for (std::uint32_t v : {2024010101u, 7200u, 3600u, 1209600u, 300u}) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  return out;
}

bool put_rr(Writer& w, std::string_view owner, std::uint16_t type, const Bytes& rdata,
            std::uint32_t ttl = 3600) {
  const Bytes o = N(owner);
  return w.put_rr(o.data(), type, rrclass::kIN, ttl, rdata.data(), static_cast<std::uint16_t>(rdata.size()));
}

}  // namespace

TEST_CASE("begin writes a header and finish patches the counts", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(0xBEEF, flag::kQR | flag::kAA | flag::kRD);
  CHECK(w.size() == kHeaderSize);
  CHECK(written(w) == Bytes{0xBE, 0xEF, 0x85, 0x00, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(w.flags() == (flag::kQR | flag::kAA | flag::kRD));
  w.set_flags(static_cast<std::uint16_t>(w.flags() | rcode::kNxDomain));
  CHECK(w.flags() == (flag::kQR | flag::kAA | flag::kRD | rcode::kNxDomain));

  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  w.begin_section(Section::Answer);
  REQUIRE(put_rr(w, "example.com.", rrtype::kA, {192, 0, 2, 1}));
  REQUIRE(put_rr(w, "example.com.", rrtype::kA, {192, 0, 2, 2}));
  w.begin_section(Section::Authority);
  REQUIRE(put_rr(w, "example.com.", rrtype::kNS, N("ns1.example.com.")));
  w.begin_section(Section::Additional);
  REQUIRE(put_rr(w, "ns1.example.com.", rrtype::kA, {192, 0, 2, 53}));
  CHECK(w.count(Section::Question) == 1);
  CHECK(w.count(Section::Answer) == 2);
  CHECK(w.count(Section::Authority) == 1);
  CHECK(w.count(Section::Additional) == 1);

  // Until finish() the header still says zero.
  CHECK(u16_at(written(w), 6) == 0);
  const std::size_t size = w.finish();
  CHECK(size == w.size());
  const Bytes msg = written(w);
  CHECK(u16_at(msg, 4) == 1);
  CHECK(u16_at(msg, 6) == 2);
  CHECK(u16_at(msg, 8) == 1);
  CHECK(u16_at(msg, 10) == 1);

  CHECK(ldns_section(msg, LDNS_SECTION_ANSWER) ==
        std::vector<std::string>{"example.com.\t3600\tIN\tA\t192.0.2.1",
                                 "example.com.\t3600\tIN\tA\t192.0.2.2"});
  CHECK(ldns_section(msg, LDNS_SECTION_AUTHORITY) ==
        std::vector<std::string>{"example.com.\t3600\tIN\tNS\tns1.example.com."});
  CHECK(ldns_section(msg, LDNS_SECTION_ADDITIONAL) ==
        std::vector<std::string>{"ns1.example.com.\t3600\tIN\tA\t192.0.2.53"});
}

TEST_CASE("begin resets a writer that was used before", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(1, 0);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  w.begin_section(Section::Answer);
  REQUIRE(put_rr(w, "example.com.", rrtype::kA, {1, 2, 3, 4}));
  w.begin(2, 0);
  CHECK(w.size() == kHeaderSize);
  CHECK(w.count(Section::Question) == 0);
  CHECK(w.count(Section::Answer) == 0);
  CHECK(w.mark().ncomp == 0);
  CHECK(w.mark().section == Section::Question);
  // No stale compression target: the name is written in full.
  REQUIRE(w.put_name(q.data()));
  CHECK(w.size() == kHeaderSize + q.size());
}

TEST_CASE("compression produces the expected pointers", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(0x0102, flag::kQR);
  // 12: 3www 16: 7example 24: 3com 28: 0, then type and class up to 33.
  const Bytes q = N("www.Example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  CHECK(w.size() == 33);
  w.begin_section(Section::Answer);

  SECTION("owner equal to the question becomes a pointer to offset 12") {
    REQUIRE(put_rr(w, "WWW.EXAMPLE.COM.", rrtype::kA, {192, 0, 2, 1}, 300));
    const Bytes msg = written(w);
    CHECK(Bytes(msg.begin() + 33, msg.end()) ==
          Bytes{0xC0, 12, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1});
  }

  SECTION("a sibling shares the longest common suffix") {
    REQUIRE(put_rr(w, "mail.example.com.", rrtype::kA, {192, 0, 2, 2}));
    const Bytes msg = written(w);
    CHECK(Bytes(msg.begin() + 33, msg.begin() + 33 + 7) == Bytes{4, 'm', 'a', 'i', 'l', 0xC0, 16});
    // The new label is itself a target: a name below it points at offset 33.
    REQUIRE(put_rr(w, "x.mail.example.com.", rrtype::kA, {192, 0, 2, 3}));
    const Bytes msg2 = written(w);
    const std::size_t second = 33 + 7 + 14;
    CHECK(Bytes(msg2.begin() + second, msg2.begin() + second + 4) == Bytes{1, 'x', 0xC0, 33});
    // Writing the same name again points at the label that is followed by a pointer.
    REQUIRE(put_rr(w, "mail.example.com.", rrtype::kA, {192, 0, 2, 4}));
    const Bytes msg3 = written(w);
    const std::size_t third = second + 4 + 14;
    CHECK(Bytes(msg3.begin() + third, msg3.begin() + third + 2) == Bytes{0xC0, 33});
  }

  SECTION("only the top label in common") {
    REQUIRE(put_rr(w, "example.org.", rrtype::kA, {192, 0, 2, 5}));
    REQUIRE(put_rr(w, "b.com.", rrtype::kA, {192, 0, 2, 6}));
    const Bytes msg = written(w);
    CHECK(Bytes(msg.begin() + 33, msg.begin() + 33 + 13) == N("example.org."));  // nothing shared
    const std::size_t second = 33 + 13 + 14;
    CHECK(Bytes(msg.begin() + second, msg.begin() + second + 4) == Bytes{1, 'b', 0xC0, 24});
  }

  SECTION("the root is never a pointer") {
    const Writer::Mark m = w.mark();
    REQUIRE(w.put_name(N(".").data()));
    CHECK(w.size() == 34);
    CHECK(written(w).back() == 0);
    w.rollback(m);  // a bare name is not a record; keep the message decodable below
  }

  w.finish();
  const Bytes msg = written(w);
  ldns_pkt* pkt = nullptr;
  REQUIRE(ldns_wire2pkt(&pkt, msg.data(), msg.size()) == LDNS_STATUS_OK);
  ldns_pkt_free(pkt);
  (void)decode(msg);
}

TEST_CASE("put_question writes the client's name verbatim and registers it", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(7, 0);
  const Bytes q = N("wWw.ExAmPlE.cOm.");
  REQUIRE(w.put_question(q.data(), rrtype::kAAAA, rrclass::kCH));
  CHECK(written(w) == concat({Bytes{0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, q, Bytes{0, 28, 0, 3}}));
  CHECK(w.count(Section::Question) == 1);
  CHECK(w.mark().ncomp == 3);
  REQUIRE(w.put_name(N("example.com.").data()));
  CHECK(Bytes(w.data() + w.size() - 2, w.data() + w.size()) == Bytes{0xC0, 16});
}

TEST_CASE("a name equal to the question becomes a pointer to it, whatever the case", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(7, 0);
  REQUIRE(w.put_question(N("wWw.ExAmPlE.cOm.").data(), rrtype::kA, rrclass::kIN));
  w.begin_section(Section::Answer);
  for (const char* same : {"wWw.ExAmPlE.cOm.", "www.example.com.", "WWW.EXAMPLE.COM."}) {
    INFO(same);
    const std::size_t at = w.size();
    REQUIRE(w.put_name(N(same).data()));  // a fresh buffer each time: equality is by bytes, not address
    CHECK(Bytes(w.data() + at, w.data() + w.size()) == Bytes{0xC0, 12});
  }
  // Same length, other bytes: only the shared suffix is a pointer.
  const std::size_t at = w.size();
  REQUIRE(w.put_name(N("wxw.example.com.").data()));
  CHECK(Bytes(w.data() + at, w.data() + w.size()) == Bytes{3, 'w', 'x', 'w', 0xC0, 16});
}

TEST_CASE("a rolled-back question is no longer a compression target", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(7, 0);
  const Writer::Mark empty = w.mark();
  const Bytes q = N("www.example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  w.rollback(empty);
  REQUIRE(w.put_u32(0xFFFFFFFF));  // overwrite where the question was
  const std::size_t at = w.size();
  REQUIRE(w.put_name(q.data()));
  CHECK(Bytes(w.data() + at, w.data() + w.size()) == q);
}

TEST_CASE("put_name_uncompressed neither compresses nor registers", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(7, 0);
  const Bytes q = N("www.example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  const std::size_t before = w.size();
  const Bytes other = N("mail.example.net.");
  REQUIRE(w.put_name_uncompressed(q.data()));
  REQUIRE(w.put_name_uncompressed(other.data()));
  CHECK(Bytes(w.data() + before, w.data() + w.size()) == concat({q, other}));
  CHECK(w.mark().ncomp == 3);
  // mail.example.net was not registered, so a later compressed write cannot point at it.
  REQUIRE(w.put_name(other.data()));
  CHECK(w.size() == before + q.size() + 2 * other.size());
}

TEST_CASE("names in RDATA are compressed only for RFC 1035 types", "[dns][writer]") {
  std::uint8_t buf[1024];
  Writer w(buf, sizeof buf);
  w.begin(0x4242, flag::kQR | flag::kAA);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kANY, rrclass::kIN));
  w.begin_section(Section::Answer);

  std::size_t start = w.size();
  auto rdata_of_last = [&](std::size_t owner_len) {
    const Bytes msg = written(w);
    const std::size_t rdlen_at = start + owner_len + 8;
    const std::size_t rdlen = u16_at(msg, rdlen_at);
    CHECK(rdlen_at + 2 + rdlen == msg.size());  // RDLENGTH is what was written
    start = msg.size();
    return Bytes(msg.begin() + static_cast<std::ptrdiff_t>(rdlen_at + 2), msg.end());
  };

  REQUIRE(put_rr(w, "example.com.", rrtype::kNS, N("ns1.example.com.")));
  CHECK(rdata_of_last(2) == Bytes{3, 'n', 's', '1', 0xC0, 12});
  const std::size_t ns1_at = start - 6;

  REQUIRE(put_rr(w, "example.com.", rrtype::kNS, N("NS1.example.com.")));
  CHECK(rdata_of_last(2) == Bytes{0xC0, static_cast<std::uint8_t>(ns1_at)});

  REQUIRE(put_rr(w, "www.example.com.", rrtype::kCNAME, N("example.com.")));
  CHECK(rdata_of_last(6) == Bytes{0xC0, 12});

  REQUIRE(put_rr(w, "example.com.", rrtype::kPTR, N("host.example.com.")));
  CHECK(rdata_of_last(2) == Bytes{4, 'h', 'o', 's', 't', 0xC0, 12});

  REQUIRE(put_rr(w, "example.com.", rrtype::kMX, concat({Bytes{0, 10}, N("mx.example.com.")})));
  CHECK(rdata_of_last(2) == Bytes{0, 10, 2, 'm', 'x', 0xC0, 12});

  const Bytes soa = soa_rdata("ns1.example.com.", "hostmaster.example.com.");
  REQUIRE(put_rr(w, "example.com.", rrtype::kSOA, soa));
  Bytes expect_soa = {0xC0, static_cast<std::uint8_t>(ns1_at), 10};
  expect_soa.insert(expect_soa.end(), {'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xC0, 12});
  expect_soa.insert(expect_soa.end(), soa.end() - 20, soa.end());
  CHECK(rdata_of_last(2) == expect_soa);

  // RFC 3597 section 4: other types' names stay as they are.
  const Bytes srv = concat({Bytes{0, 1, 0, 2, 0, 53}, N("ns1.example.com.")});
  REQUIRE(put_rr(w, "_dns._udp.example.com.", rrtype::kSRV, srv));
  CHECK(rdata_of_last(12) == srv);
  const Bytes dname = N("example.com.");
  REQUIRE(put_rr(w, "example.com.", rrtype::kDNAME, dname));
  CHECK(rdata_of_last(2) == dname);
  const Bytes txt = {5, 'h', 'e', 'l', 'l', 'o'};
  REQUIRE(put_rr(w, "example.com.", rrtype::kTXT, txt));
  CHECK(rdata_of_last(2) == txt);
  const Bytes unknown = {0xC0, 12, 0x40, 0x00};  // looks like a pointer but is opaque
  REQUIRE(put_rr(w, "example.com.", 65280, unknown));
  CHECK(rdata_of_last(2) == unknown);
  REQUIRE(put_rr(w, "example.com.", rrtype::kTXT, {}));  // empty RDATA
  CHECK(rdata_of_last(2).empty());

  w.finish();
  const Bytes msg = written(w);
  CHECK(decode(msg) == std::vector<std::string>{
                           "example.com. 255",
                           "example.com. 2 ns1.example.com.",
                           "example.com. 2 ns1.example.com.",  // the pointer leads to the first spelling
                           "www.example.com. 5 example.com.",
                           "example.com. 12 host.example.com.",
                           "example.com. 15 mx.example.com.",
                           "example.com. 6 ns1.example.com. hostmaster.example.com.",
                           "_dns._udp.example.com. 33",
                           "example.com. 39",
                           "example.com. 16",
                           "example.com. 65280",
                           "example.com. 16",
                       });
  const std::vector<std::string> answers = ldns_section(msg, LDNS_SECTION_ANSWER);
  REQUIRE(answers.size() == 11);
  CHECK(answers[0] == "example.com.\t3600\tIN\tNS\tns1.example.com.");
  CHECK(answers[3] == "example.com.\t3600\tIN\tPTR\thost.example.com.");
  CHECK(answers[4] == "example.com.\t3600\tIN\tMX\t10 mx.example.com.");
  CHECK(answers[5] ==
        "example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 "
        "300");
  CHECK(answers[6] == "_dns._udp.example.com.\t3600\tIN\tSRV\t1 2 53 ns1.example.com.");
}

TEST_CASE("RDATA that does not match its type is copied verbatim", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(1, 0);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  w.begin_section(Section::Answer);
  for (const auto& [type, rdata] : std::vector<std::pair<std::uint16_t, Bytes>>{
           {rrtype::kNS, concat({N("example.com."), Bytes{7}})},      // a byte after the name
           {rrtype::kNS, Bytes{7, 'e', 'x', 'a'}},                    // name cut short
           {rrtype::kCNAME, Bytes{0x40, 'a', 0}},                     // not a plain label
           {rrtype::kMX, Bytes{0, 10}},                               // no exchange name
           {rrtype::kMX, Bytes{0}},                                   // not even a preference
           {rrtype::kSOA, concat({N("a."), N("b."), Bytes(19, 0)})},  // one byte short
           {rrtype::kSOA, concat({N("a."), N("b."), Bytes(21, 0)})},  // one byte long
       }) {
    const std::size_t before = w.size();
    REQUIRE(put_rr(w, "example.com.", type, rdata));
    CHECK(Bytes(w.data() + before + 12, w.data() + w.size()) == rdata);
    CHECK(u16_at(written(w), before + 10) == rdata.size());
  }
}

TEST_CASE("limit stops writes without changing state", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  CHECK(w.limit() == sizeof buf);
  w.set_limit(100000);
  CHECK(w.limit() == sizeof buf);  // clamped to capacity
  w.set_limit(40);
  CHECK(w.limit() == 40);
  w.begin(1, 0);
  const Bytes q = N("www.example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  CHECK(w.size() == 33);
  w.begin_section(Section::Answer);

  const Writer::Mark before = w.mark();
  CHECK_FALSE(put_rr(w, "www.example.com.", rrtype::kA, {1, 2, 3, 4}));  // needs 16, has 7
  CHECK(w.size() == before.pos);
  CHECK(w.count(Section::Answer) == 0);
  CHECK(w.mark().ncomp == before.ncomp);

  CHECK_FALSE(w.put_name(N("longer.example.com.").data()));  // "6longer" + pointer = 9 bytes
  CHECK(w.mark().ncomp == before.ncomp);
  CHECK_FALSE(w.put_bytes(Bytes(8, 0).data(), 8));
  CHECK(w.size() == 33);
  REQUIRE(w.put_u32(0xDEADBEEF));
  REQUIRE(w.put_u16(0x0102));
  REQUIRE(w.put_u8(3));
  CHECK(w.size() == 40);
  CHECK_FALSE(w.put_u8(4));
  CHECK_FALSE(w.put_u16(4));
  CHECK(w.put_bytes(nullptr, 0));  // nothing always fits
  CHECK(w.size() == 40);
  CHECK(Bytes(w.data() + 33, w.data() + 40) == Bytes{0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3});

  // Raising the limit lets writing continue.
  w.set_limit(512);
  REQUIRE(put_rr(w, "www.example.com.", rrtype::kA, {1, 2, 3, 4}));
}

TEST_CASE("a name that fits exactly is written; one byte less fails", "[dns][writer]") {
  std::uint8_t buf[512];
  const Bytes q = N("www.example.com.");
  for (std::size_t limit : {std::size_t{33 + 7}, std::size_t{33 + 6}}) {
    Writer w(buf, sizeof buf);
    w.set_limit(limit);
    w.begin(1, 0);
    REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
    const bool ok = w.put_name(N("mail.example.com.").data());  // "4mail" + pointer = 7 bytes
    CHECK(ok == (limit == 40));
    CHECK(w.size() == (ok ? 40u : 33u));
    CHECK(w.mark().ncomp == (ok ? 4u : 3u));
  }
}

TEST_CASE("put_rr rolls back fully when RDATA does not fit", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(1, 0);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kSOA, rrclass::kIN));
  w.begin_section(Section::Authority);
  // Owner "2ns5other"+ptr (11) + fixed part (10) + "3ns1"+ptr (6) + "10hostmaster"+ptr (13) + 20 fixed bytes.
  const std::size_t full = 11 + 10 + 6 + 13 + 20;
  w.set_limit(w.size() + full - 1);  // both names fit, the last byte of the fixed part does not
  const Writer::Mark before = w.mark();
  const Bytes before_bytes = written(w);
  CHECK_FALSE(put_rr(w, "ns.other.example.com.", rrtype::kSOA,
                     soa_rdata("ns1.example.com.", "hostmaster.example.com.")));
  CHECK(w.size() == before.pos);
  CHECK(w.count(Section::Authority) == 0);
  CHECK(w.mark().ncomp == before.ncomp);
  CHECK(written(w) == before_bytes);

  // The rolled-back names must not be used as compression targets.
  const std::size_t at = w.size();
  REQUIRE(w.put_name(N("ns1.example.com.").data()));
  CHECK(Bytes(w.data() + at, w.data() + w.size()) == Bytes{3, 'n', 's', '1', 0xC0, 12});

  // With one more byte the SOA fits.
  w.rollback(before);
  w.set_limit(w.size() + full);
  REQUIRE(put_rr(w, "ns.other.example.com.", rrtype::kSOA,
                 soa_rdata("ns1.example.com.", "hostmaster.example.com.")));
  CHECK(w.size() == w.limit());
  CHECK(w.count(Section::Authority) == 1);
}

TEST_CASE("rollback restores position, counts, targets and section", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(1, 0);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  w.begin_section(Section::Answer);
  REQUIRE(put_rr(w, "a.example.com.", rrtype::kA, {1, 1, 1, 1}));
  const Writer::Mark m = w.mark();
  CHECK(m.section == Section::Answer);

  REQUIRE(put_rr(w, "b.example.com.", rrtype::kA, {2, 2, 2, 2}));
  w.begin_section(Section::Authority);
  REQUIRE(put_rr(w, "example.com.", rrtype::kNS, N("ns.example.com.")));
  CHECK(w.count(Section::Answer) == 2);
  CHECK(w.count(Section::Authority) == 1);

  w.rollback(m);
  CHECK(w.size() == m.pos);
  CHECK(w.count(Section::Answer) == 1);
  CHECK(w.count(Section::Authority) == 0);
  CHECK(w.mark().ncomp == m.ncomp);
  // Back in the answer section: the next RR counts there.
  REQUIRE(put_rr(w, "c.example.com.", rrtype::kA, {3, 3, 3, 3}));
  CHECK(w.count(Section::Answer) == 2);
  CHECK(w.count(Section::Authority) == 0);
  w.finish();
  CHECK(ldns_section(written(w), LDNS_SECTION_ANSWER).size() == 2);

  // b.example.com was rolled back; writing it again cannot point at its old place.
  const std::size_t at = w.size();
  REQUIRE(w.put_name(N("b.example.com.").data()));
  CHECK(Bytes(w.data() + at, w.data() + w.size()) == Bytes{1, 'b', 0xC0, 12});
}

TEST_CASE("open_rr and close_rr write an OPT record", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(0x5151, flag::kQR);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kA, rrclass::kIN));
  w.begin_section(Section::Additional);
  const Bytes root = N(".");
  const std::size_t at = w.size();
  REQUIRE(w.open_rr(root.data(), rrtype::kOPT, kDefaultEdnsPayload, 0x00008000));
  CHECK(w.count(Section::Additional) == 0);  // not counted until closed
  const Bytes nsid = {'n', 's', '1'};
  REQUIRE(w.put_u16(edns_opt::kNSID));
  REQUIRE(w.put_u16(static_cast<std::uint16_t>(nsid.size())));
  REQUIRE(w.put_bytes(nsid.data(), nsid.size()));
  w.close_rr();
  CHECK(w.count(Section::Additional) == 1);
  w.finish();
  const Bytes msg = written(w);
  CHECK(Bytes(msg.begin() + static_cast<std::ptrdiff_t>(at), msg.end()) ==
        Bytes{0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 7, 0, 3, 0, 3, 'n', 's', '1'});

  ldns_pkt* pkt = nullptr;
  REQUIRE(ldns_wire2pkt(&pkt, msg.data(), msg.size()) == LDNS_STATUS_OK);
  CHECK(ldns_pkt_edns(pkt));
  CHECK(ldns_pkt_edns_udp_size(pkt) == kDefaultEdnsPayload);
  CHECK(ldns_pkt_edns_do(pkt));
  ldns_pkt_free(pkt);
}

TEST_CASE("open_rr fails cleanly and close_rr without an open RR does nothing", "[dns][writer]") {
  std::uint8_t buf[512];
  Writer w(buf, sizeof buf);
  w.begin(0x5151, 0);
  const Bytes root = N(".");
  w.set_limit(kHeaderSize + 10);  // one byte short of owner + fixed part
  const Writer::Mark m = w.mark();
  CHECK_FALSE(w.open_rr(root.data(), rrtype::kOPT, 1232, 0));
  CHECK(w.size() == m.pos);
  w.close_rr();
  CHECK(w.count(Section::Question) == 0);
  CHECK(written(w) == Bytes{0x51, 0x51, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});

  // An OPT that was rolled back is not patched or counted by a stray close_rr.
  w.set_limit(512);
  w.begin_section(Section::Additional);
  const Writer::Mark before_opt = w.mark();
  REQUIRE(w.open_rr(root.data(), rrtype::kOPT, 1232, 0));
  w.rollback(before_opt);
  w.close_rr();
  CHECK(w.count(Section::Additional) == 0);
  CHECK(w.size() == before_opt.pos);
}

TEST_CASE("a buffer too small for a header refuses everything", "[dns][writer]") {
  std::uint8_t buf[8] = {};
  Writer w(buf, sizeof buf);
  w.begin(1, 2);
  CHECK(w.size() == 0);
  CHECK_FALSE(w.put_u8(1));
  CHECK_FALSE(w.put_question(N("a.").data(), 1, 1));
  CHECK(w.finish() == 0);
  CHECK(w.flags() == 0);
}

TEST_CASE("the compression table is bounded", "[dns][writer]") {
  std::uint8_t buf[2048];
  Writer w(buf, sizeof buf);
  w.begin(1, 0);
  for (int i = 0; i < 100; ++i) {
    const Bytes name = N("n" + std::to_string(i) + ".");
    REQUIRE(w.put_name(name.data()));
  }
  CHECK(w.mark().ncomp == Writer::kMaxCompressionTargets);
  std::size_t at = w.size();
  REQUIRE(w.put_name(N("n0.").data()));  // registered early: a pointer
  CHECK(w.size() == at + 2);
  at = w.size();
  REQUIRE(w.put_name(N("n99.").data()));  // past the table: written in full
  CHECK(w.size() == at + 5);
}

TEST_CASE("no pointer targets at or beyond offset 0x4000", "[dns][writer]") {
  std::vector<std::uint8_t> buf(kMaxMessage);
  Writer w(buf.data(), buf.size());
  w.begin(1, flag::kQR);
  const Bytes q = N("example.com.");
  REQUIRE(w.put_question(q.data(), rrtype::kTXT, rrclass::kIN));
  w.begin_section(Section::Answer);
  Bytes txt(256, 'x');
  txt[0] = 255;
  while (w.size() < 0x4000) REQUIRE(put_rr(w, "example.com.", rrtype::kTXT, txt));
  const std::size_t ncomp = w.mark().ncomp;
  REQUIRE(put_rr(w, "late.other.", rrtype::kTXT, txt));
  CHECK(w.mark().ncomp == ncomp);  // its labels are past 0x4000
  const std::size_t at = w.size();
  REQUIRE(put_rr(w, "late.other.", rrtype::kTXT, txt));
  CHECK(Bytes(w.data() + at, w.data() + at + 12) == N("late.other."));        // so it is not compressed
  REQUIRE(put_rr(w, "www.example.com.", rrtype::kCNAME, N("example.com.")));  // early targets still work
  CHECK(Bytes(w.data() + w.size() - 2, w.data() + w.size()) == Bytes{0xC0, 12});
  w.finish();
  const Bytes msg = written(w);
  CHECK(decode(msg).size() == 1u + w.count(Section::Answer));
  CHECK(ldns_section(msg, LDNS_SECTION_ANSWER).size() == w.count(Section::Answer));
}

TEST_CASE("random messages decode to what was written", "[dns][writer]") {
  std::mt19937 rng(4242);
  const std::vector<std::string> labels = {"a", "bb", "ccc", "www", "mail", "example", "com", "x-y", "_tcp"};
  auto random_name = [&]() {
    std::string text;
    const int depth = static_cast<int>(rng() % 5);
    for (int i = 0; i < depth; ++i) text += labels[rng() % labels.size()] + ".";
    return text.empty() ? std::string(".") : text;
  };
  const std::vector<std::uint16_t> types = {rrtype::kNS,  rrtype::kCNAME, rrtype::kPTR, rrtype::kMX,
                                            rrtype::kSOA, rrtype::kA,     rrtype::kSRV};
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<std::uint8_t> buf(1232);
    Writer w(buf.data(), buf.size());
    w.set_limit(200 + rng() % 1000);
    w.begin(static_cast<std::uint16_t>(iter), flag::kQR);
    const std::string qname = random_name();
    REQUIRE(w.put_question(N(qname).data(), rrtype::kA, rrclass::kIN));
    std::vector<std::string> expected = {qname + " 1"};
    w.begin_section(Section::Answer);
    for (int i = 0; i < 40; ++i) {
      if (i == 20) w.begin_section(Section::Additional);
      const std::string owner = random_name();
      const std::uint16_t type = types[rng() % types.size()];
      const std::string target = random_name();
      const std::string target2 = random_name();
      Bytes rdata;
      std::string line = owner + " " + std::to_string(type);
      switch (type) {
        case rrtype::kMX:
          rdata = concat({Bytes{0, 5}, N(target)});
          line += " " + target;
          break;
        case rrtype::kSOA:
          rdata = soa_rdata(target, target2);
          line += " " + target + " " + target2;
          break;
        case rrtype::kA:
          rdata = {10, 0, 0, static_cast<std::uint8_t>(i)};
          break;
        case rrtype::kSRV:
          rdata = concat({Bytes{0, 1, 0, 1, 0, 80}, N(target)});
          break;
        default:
          rdata = N(target);
          line += " " + target;
          break;
      }
      const Writer::Mark m = w.mark();
      if (put_rr(w, owner, type, rdata)) {
        expected.push_back(line);
        if (rng() % 5 == 0) {  // sometimes undo it, as truncation of an RRset would
          w.rollback(m);
          expected.pop_back();
        }
      } else {
        REQUIRE(w.size() == m.pos);
      }
    }
    w.finish();
    const Bytes msg = written(w);
    CHECK(decode(msg) == expected);
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, msg.data(), msg.size()) == LDNS_STATUS_OK);
    CHECK(ldns_pkt_ancount(pkt) + ldns_pkt_arcount(pkt) == expected.size() - 1);
    ldns_pkt_free(pkt);
  }
}
