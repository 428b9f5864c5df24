// SPDX-License-Identifier: MIT
// Unit tests for parse_query: valid queries, EDNS(0) with NSID and ECS, and every Drop/FormErr/NotImp/BadVers
// case.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sgdns/dns/message.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"

using namespace sgdns::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// Builds query packets byte by byte; counts are given explicitly so tests can lie about them.
class Packet {
 public:
  Packet& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an, std::uint16_t ns,
                 std::uint16_t ar) {
    for (std::uint16_t v : {id, flags, qd, an, ns, ar}) u16(v);
    return *this;
  }
  Packet& u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Packet& u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  Packet& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
  }
  Packet& raw(const Bytes& bytes) {
    b_.insert(b_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  Packet& name(std::string_view text) { return raw(name_from_text(text)); }
  Packet& question(std::string_view qname, std::uint16_t qtype = rrtype::kA,
                   std::uint16_t qclass = rrclass::kIN) {
    return name(qname).u16(qtype).u16(qclass);
  }
  Packet& rr(std::string_view owner, std::uint16_t type, std::uint16_t rclass, std::uint32_t ttl,
             const Bytes& rdata) {
    return name(owner)
        .u16(type)
        .u16(rclass)
        .u32(ttl)
        .u16(static_cast<std::uint16_t>(rdata.size()))
        .raw(rdata);
  }
  /// An OPT RR; `ttl` carries extended RCODE, version and flags (RFC 6891 section 6.1.3).
  Packet& opt(std::uint16_t payload = 1232, std::uint32_t ttl = 0, const Bytes& rdata = {}) {
    return rr(".", rrtype::kOPT, payload, ttl, rdata);
  }
  [[nodiscard]] const Bytes& bytes() const { return b_; }

 private:
  Bytes b_;
};

Bytes option(std::uint16_t code, const Bytes& data) {
  Bytes out = {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code),
               static_cast<std::uint8_t>(data.size() >> 8), static_cast<std::uint8_t>(data.size())};
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes ecs(std::uint16_t family, std::uint8_t source, std::uint8_t scope, const Bytes& address) {
  Bytes data = {static_cast<std::uint8_t>(family >> 8), static_cast<std::uint8_t>(family), source, scope};
  data.insert(data.end(), address.begin(), address.end());
  return option(edns_opt::kECS, data);
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

constexpr std::uint16_t kId = 0xABCD;

/// A standard query for www.example.com/A with one OPT carrying `opt_rdata`.
Bytes edns_query(const Bytes& opt_rdata, std::uint16_t payload = 1232, std::uint32_t ttl = 0) {
  return Packet()
      .header(kId, flag::kRD, 1, 0, 0, 1)
      .question("www.example.com.")
      .opt(payload, ttl, opt_rdata)
      .bytes();
}

/// Parses into a fresh Query owned by the fixture so tests can inspect it.
struct Parser {
  Query q;
  ParseStatus operator()(const Bytes& pkt) { return parse_query(std::span<const std::uint8_t>(pkt), q); }
};

Bytes qname_of(const Query& q) {
  return Bytes(q.qname, q.qname + q.qname_len);
}
Bytes lqname_of(const Query& q) {
  return Bytes(q.lqname, q.lqname + q.qname_len);
}

std::uint16_t opcode_flags(std::uint8_t opcode) {
  return static_cast<std::uint16_t>(opcode << 11);
}

}  // namespace

TEST_CASE("parse_query reads a plain query", "[dns][message]") {
  Parser parse;
  const Bytes pkt = Packet()
                        .header(kId, flag::kRD | flag::kCD, 1, 0, 0, 0)
                        .question("WwW.Example.COM.", rrtype::kAAAA)
                        .bytes();
  REQUIRE(parse(pkt) == ParseStatus::Ok);
  const Query& q = parse.q;
  CHECK(q.id == kId);
  CHECK(q.flags == (flag::kRD | flag::kCD));
  CHECK(q.opcode == opcode::kQuery);
  CHECK(q.has_question);
  CHECK(qname_of(q) == name_from_text("WwW.Example.COM."));
  CHECK(lqname_of(q) == name_from_text("www.example.com."));
  CHECK(q.qname_len == 17);
  CHECK(q.qtype == rrtype::kAAAA);
  CHECK(q.qclass == rrclass::kIN);
  CHECK_FALSE(q.edns.present);
  CHECK_FALSE(q.edns.has_ecs);
  CHECK_FALSE(q.edns.nsid_requested);
}

TEST_CASE("parse_query accepts the root and meta query types", "[dns][message]") {
  Parser parse;
  REQUIRE(parse(Packet().header(1, 0, 1, 0, 0, 0).question(".", rrtype::kNS).bytes()) == ParseStatus::Ok);
  CHECK(parse.q.qname_len == 1);
  CHECK(parse.q.qname[0] == 0);
  // Deciding what to do with ANY, AXFR or class CH is the engine's business, not the parser's.
  REQUIRE(parse(Packet().header(1, 0, 1, 0, 0, 0).question("a.", rrtype::kAXFR).bytes()) == ParseStatus::Ok);
  REQUIRE(
      parse(
          Packet().header(1, 0, 1, 0, 0, 0).question("version.bind.", rrtype::kTXT, rrclass::kCH).bytes()) ==
      ParseStatus::Ok);
  CHECK(parse.q.qclass == rrclass::kCH);
}

TEST_CASE("parse_query accepts a 255-byte question name", "[dns][message]") {
  const std::string label63(63, 'a');
  const std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'B') + ".";
  Parser parse;
  REQUIRE(parse(Packet().header(1, 0, 1, 0, 0, 0).question(longest).bytes()) == ParseStatus::Ok);
  CHECK(parse.q.qname_len == kMaxNameLen);
  CHECK(parse.q.lqname[kMaxNameLen - 2] == 'b');
  CHECK(parse.q.qname[kMaxNameLen - 2] == 'B');
}

TEST_CASE("parse_query drops what must not be answered", "[dns][message]") {
  Parser parse;
  CHECK(parse({}) == ParseStatus::Drop);
  CHECK(parse(Bytes(11, 0)) == ParseStatus::Drop);
  // Any response, even a well-formed one, is dropped so we never answer answers.
  CHECK(parse(Packet().header(kId, flag::kQR, 1, 0, 0, 0).question("example.com.").bytes()) ==
        ParseStatus::Drop);
  CHECK(parse(Packet().header(kId, flag::kQR | opcode_flags(4), 0, 0, 0, 0).bytes()) == ParseStatus::Drop);
  // A bare header is answerable (FORMERR), not dropped.
  CHECK(parse(Bytes(12, 0)) == ParseStatus::FormErr);
}

TEST_CASE("parse_query takes NOTIFY (RFC 1996) and IXFR with the client's SOA (RFC 1995)", "[dns][message]") {
  Parser parse;
  SECTION("NOTIFY with a question and EDNS") {
    const Bytes pkt = Packet()
                          .header(kId, opcode_flags(4) | flag::kAA, 1, 0, 0, 1)
                          .question("example.com.", rrtype::kSOA)
                          .opt(4096)
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::Ok);
    CHECK(parse.q.id == kId);
    CHECK(parse.q.opcode == 4);
    CHECK(parse.q.flags == (opcode_flags(4) | flag::kAA));
    CHECK(parse.q.has_question);
    CHECK(parse.q.qtype == rrtype::kSOA);
    CHECK(parse.q.edns.present);
    CHECK(parse.q.edns.udp_payload == 4096);
  }
  SECTION("NOTIFY carrying an answer section") {
    const Bytes pkt = Packet()
                          .header(kId, opcode_flags(4), 1, 1, 0, 1)
                          .question("example.com.", rrtype::kSOA)
                          .rr("example.com.", rrtype::kSOA, rrclass::kIN, 0, Bytes(22, 0))
                          .opt()
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::Ok);
    CHECK(parse.q.has_question);
    CHECK(parse.q.edns.present);
    CHECK(parse.q.has_soa_serial);
  }
  SECTION("IXFR with the client's SOA in the authority section") {
    Bytes soa = {0, 0, 0, 0, 0, 7};  // root MNAME and RNAME, serial 7
    soa.resize(22, 0);
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 1, 0)
                          .question("example.com.", rrtype::kIXFR)
                          .rr("example.com.", rrtype::kSOA, rrclass::kIN, 0, soa)
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::Ok);
    CHECK(parse.q.has_soa_serial);
    CHECK(parse.q.soa_serial == 7);
  }
  SECTION("an authority section on any other query is still FORMERR") {
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 1, 0)
                          .question("example.com.", rrtype::kA)
                          .rr("example.com.", rrtype::kSOA, rrclass::kIN, 0, Bytes(22, 0))
                          .bytes();
    CHECK(parse(pkt) == ParseStatus::FormErr);
  }
}

TEST_CASE("parse_query answers other opcodes with NotImp and keeps what it can echo", "[dns][message]") {
  Parser parse;
  SECTION("UPDATE without a question") {
    REQUIRE(parse(Packet().header(kId, opcode_flags(5), 0, 0, 0, 0).bytes()) == ParseStatus::NotImp);
    CHECK(parse.q.id == kId);
    CHECK(parse.q.opcode == 5);
    CHECK_FALSE(parse.q.has_question);
  }
  SECTION("malformed body is still NotImp") {
    Bytes pkt = Packet().header(kId, opcode_flags(2), 1, 0, 0, 0).question("example.com.").bytes();
    pkt.resize(pkt.size() - 3);
    REQUIRE(parse(pkt) == ParseStatus::NotImp);
    CHECK_FALSE(parse.q.has_question);
  }
  SECTION("EDNS version above 0 with an unknown opcode") {
    REQUIRE(parse(Packet()
                      .header(kId, opcode_flags(15), 1, 0, 0, 1)
                      .question("a.")
                      .opt(1232, 0x00010000)
                      .bytes()) == ParseStatus::NotImp);
    CHECK(parse.q.opcode == 15);
    CHECK(parse.q.edns.version == 1);
  }
}

TEST_CASE("parse_query rejects bad section counts", "[dns][message]") {
  Parser parse;
  SECTION("no question") {
    REQUIRE(parse(Packet().header(kId, 0, 0, 0, 0, 0).bytes()) == ParseStatus::FormErr);
    CHECK(parse.q.id == kId);
    CHECK_FALSE(parse.q.has_question);
    CHECK_FALSE(parse.q.edns.present);
  }
  SECTION("no question but EDNS") {
    REQUIRE(parse(Packet().header(kId, 0, 0, 0, 0, 1).opt().bytes()) == ParseStatus::FormErr);
    CHECK_FALSE(parse.q.has_question);
    CHECK(parse.q.edns.present);
  }
  SECTION("two questions") {
    REQUIRE(parse(Packet().header(kId, 0, 2, 0, 0, 0).question("a.").question("b.").bytes()) ==
            ParseStatus::FormErr);
    CHECK_FALSE(parse.q.has_question);  // which one would we echo?
  }
  SECTION("an answer record") {
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 1, 0, 0)
                          .question("a.")
                          .rr("a.", rrtype::kA, rrclass::kIN, 0, {1, 2, 3, 4})
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
  }
  SECTION("an authority record") {
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 1, 1)
                          .question("a.")
                          .rr("a.", rrtype::kNS, rrclass::kIN, 0, name_from_text("ns.a."))
                          .opt()
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
    CHECK(parse.q.edns.present);
  }
  SECTION("counts larger than the packet") {
    REQUIRE(parse(Packet().header(kId, 0, 1, 0, 0, 3).question("a.").opt().bytes()) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
    CHECK(parse.q.edns.present);
    REQUIRE(parse(Packet().header(kId, 0, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF).bytes()) == ParseStatus::FormErr);
  }
}

TEST_CASE("parse_query rejects malformed question names", "[dns][message]") {
  Parser parse;
  SECTION("compression pointer in the question") {
    // Points back into the header: the only thing a pointer could reach in a query's first name.
    const Bytes pkt = Packet().header(kId, 0, 1, 0, 0, 0).raw({1, 'a', 0xC0, 0x04}).u16(1).u16(1).bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK_FALSE(parse.q.has_question);
    CHECK(parse.q.id == kId);
  }
  SECTION("bad label type") {
    const Bytes pkt = Packet().header(kId, 0, 1, 0, 0, 0).raw({0x41, 'a', 0}).u16(1).u16(1).bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
  }
  SECTION("name longer than 255 bytes") {
    Packet p;
    p.header(kId, 0, 1, 0, 0, 0);
    for (int i = 0; i < 128; ++i) p.raw({1, 'x'});
    p.u8(0).u16(1).u16(1);
    REQUIRE(parse(p.bytes()) == ParseStatus::FormErr);
  }
  SECTION("truncated name") {
    REQUIRE(parse(Packet().header(kId, 0, 1, 0, 0, 0).raw({7, 'e', 'x', 'a'}).bytes()) ==
            ParseStatus::FormErr);
  }
  SECTION("missing type and class") {
    const Bytes full = Packet().header(kId, 0, 1, 0, 0, 0).question("example.com.").bytes();
    for (std::size_t cut = 1; cut <= 4; ++cut) {
      REQUIRE(parse(Bytes(full.begin(), full.end() - static_cast<std::ptrdiff_t>(cut))) ==
              ParseStatus::FormErr);
      CHECK_FALSE(parse.q.has_question);
    }
  }
}

TEST_CASE("parse_query rejects trailing garbage", "[dns][message]") {
  Parser parse;
  Bytes pkt = Packet().header(kId, 0, 1, 0, 0, 0).question("example.com.").bytes();
  REQUIRE(parse(pkt) == ParseStatus::Ok);
  pkt.push_back(0);
  REQUIRE(parse(pkt) == ParseStatus::FormErr);
  CHECK(parse.q.has_question);  // the question itself was fine and can be echoed

  Bytes with_opt = edns_query({});
  with_opt.push_back(0xFF);
  REQUIRE(parse(with_opt) == ParseStatus::FormErr);
  CHECK(parse.q.edns.present);
}

TEST_CASE("parse_query reads the OPT record", "[dns][message]") {
  Parser parse;
  SECTION("payload, version, DO and extended rcode") {
    REQUIRE(parse(edns_query({}, 4096, 0x00008000)) == ParseStatus::Ok);
    CHECK(parse.q.edns.present);
    CHECK(parse.q.edns.udp_payload == 4096);
    CHECK(parse.q.edns.version == 0);
    CHECK(parse.q.edns.dnssec_ok);
    CHECK(parse.q.edns.extended_rcode == 0);
    CHECK(parse.q.has_question);
  }
  SECTION("DO clear, other Z bits ignored") {
    REQUIRE(parse(edns_query({}, 1232, 0x00007FFF)) == ParseStatus::Ok);
    CHECK_FALSE(parse.q.edns.dnssec_ok);
  }
  SECTION("CO (RFC 9824 5.1), the bit after DO, with and without DO") {
    REQUIRE(parse(edns_query({}, 1232, 0x0000C000)) == ParseStatus::Ok);
    CHECK(parse.q.edns.dnssec_ok);
    CHECK(parse.q.edns.compact_ok);
    REQUIRE(parse(edns_query({}, 1232, 0x00004000)) == ParseStatus::Ok);
    CHECK_FALSE(parse.q.edns.dnssec_ok);
    CHECK(parse.q.edns.compact_ok);
    // Cleared again by the next query parsed into the same Query.
    REQUIRE(parse(edns_query({}, 1232, 0x00008000)) == ParseStatus::Ok);
    CHECK_FALSE(parse.q.edns.compact_ok);
  }
  SECTION("extended rcode byte is reported") {
    REQUIRE(parse(edns_query({}, 1232, 0x05000000)) == ParseStatus::Ok);
    CHECK(parse.q.edns.extended_rcode == 5);
    CHECK(parse.q.edns.version == 0);
  }
  SECTION("payloads below 512 read as 512") {
    REQUIRE(parse(edns_query({}, 0)) == ParseStatus::Ok);
    CHECK(parse.q.edns.udp_payload == 512);
    REQUIRE(parse(edns_query({}, 511)) == ParseStatus::Ok);
    CHECK(parse.q.edns.udp_payload == 512);
    REQUIRE(parse(edns_query({}, 512)) == ParseStatus::Ok);
    CHECK(parse.q.edns.udp_payload == 512);
    REQUIRE(parse(edns_query({}, 65535)) == ParseStatus::Ok);
    CHECK(parse.q.edns.udp_payload == 65535);
  }
  SECTION("unknown options and cookies are ignored") {
    const Bytes rdata =
        concat({option(edns_opt::kCookie, Bytes(8, 7)), option(65001, {1, 2, 3}), option(12, {})});
    REQUIRE(parse(edns_query(rdata)) == ParseStatus::Ok);
    CHECK(parse.q.edns.present);
    CHECK_FALSE(parse.q.edns.nsid_requested);
    CHECK_FALSE(parse.q.edns.has_ecs);
  }
}

TEST_CASE("parse_query rejects bad OPT records", "[dns][message]") {
  Parser parse;
  SECTION("two OPT records") {
    const Bytes pkt = Packet().header(kId, 0, 1, 0, 0, 2).question("a.").opt(4096).opt(1232).bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.edns.present);
    CHECK(parse.q.edns.udp_payload == 4096);  // the first one is what gets echoed
  }
  SECTION("OPT not owned by the root") {
    const Bytes pkt =
        Packet().header(kId, 0, 1, 0, 0, 1).question("a.").rr("a.", rrtype::kOPT, 1232, 0, {}).bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
    CHECK(parse.q.edns.present);
  }
  SECTION("RDLENGTH past the end of the packet") {
    Bytes pkt = edns_query(option(edns_opt::kNSID, {}));
    pkt.pop_back();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
  }
  SECTION("OPT fixed part cut short") {
    Bytes pkt = edns_query({});
    pkt.resize(pkt.size() - 5);
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
    CHECK_FALSE(parse.q.edns.present);
  }
  SECTION("option length overruns the RDATA") {
    Bytes rdata = option(edns_opt::kNSID, {});
    rdata[3] = 1;  // claims one byte of data that is not there
    REQUIRE(parse(edns_query(rdata)) == ParseStatus::FormErr);
    CHECK(parse.q.edns.present);
    // The overrun is caught even when more bytes of the packet follow the OPT RDATA.
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 0, 2)
                          .question("a.")
                          .opt(1232, 0, rdata)
                          .rr(".", 65000, 1, 0, {9, 9, 9, 9})
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
  }
  SECTION("option header cut short") {
    REQUIRE(parse(edns_query({0, 3, 0})) == ParseStatus::FormErr);
    REQUIRE(parse(edns_query(concat({option(edns_opt::kNSID, {}), Bytes{0}}))) == ParseStatus::FormErr);
  }
}

TEST_CASE("parse_query reports BadVers for EDNS versions above 0", "[dns][message]") {
  Parser parse;
  REQUIRE(parse(edns_query({}, 4096, 0x00018000)) == ParseStatus::BadVers);
  CHECK(parse.q.edns.present);
  CHECK(parse.q.edns.version == 1);
  CHECK(parse.q.edns.udp_payload == 4096);
  CHECK(parse.q.edns.dnssec_ok);
  CHECK(parse.q.has_question);
  CHECK(parse.q.id == kId);

  // Options of an unknown version are not interpreted, so even a bad ECS there is BadVers.
  REQUIRE(parse(edns_query(ecs(9, 0, 0, {}), 1232, 0x00FF0000)) == ParseStatus::BadVers);
  CHECK(parse.q.edns.version == 255);
  CHECK_FALSE(parse.q.edns.has_ecs);

  // A malformed message is FORMERR whatever its EDNS version.
  Bytes garbage = edns_query({}, 1232, 0x00010000);
  garbage.push_back(0);
  REQUIRE(parse(garbage) == ParseStatus::FormErr);
  CHECK(parse.q.edns.present);
}

TEST_CASE("parse_query recognises NSID requests", "[dns][message]") {
  Parser parse;
  REQUIRE(parse(edns_query(option(edns_opt::kNSID, {}))) == ParseStatus::Ok);
  CHECK(parse.q.edns.nsid_requested);
  // RFC 5001 wants the request empty, but a client that sends data still asked for NSID.
  REQUIRE(parse(edns_query(option(edns_opt::kNSID, {'x', 'y'}))) == ParseStatus::Ok);
  CHECK(parse.q.edns.nsid_requested);
  REQUIRE(parse(edns_query(concat({option(edns_opt::kCookie, Bytes(8, 1)), option(edns_opt::kNSID, {})}))) ==
          ParseStatus::Ok);
  CHECK(parse.q.edns.nsid_requested);
}

TEST_CASE("parse_query accepts valid client subnets", "[dns][message]") {
  Parser parse;
  SECTION("IPv4 /24") {
    REQUIRE(parse(edns_query(ecs(1, 24, 0, {192, 0, 2}))) == ParseStatus::Ok);
    const ClientSubnet& s = parse.q.edns.ecs;
    CHECK(parse.q.edns.has_ecs);
    CHECK(s.family == 1);
    CHECK(s.source_prefix == 24);
    CHECK(s.scope_prefix == 0);
    CHECK(Bytes(s.address, s.address + 16) == Bytes{192, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  }
  SECTION("IPv4 /0 carries no address bytes") {
    REQUIRE(parse(edns_query(ecs(1, 0, 0, {}))) == ParseStatus::Ok);
    CHECK(parse.q.edns.has_ecs);
    CHECK(parse.q.edns.ecs.source_prefix == 0);
  }
  SECTION("IPv4 /20 with the low nibble clear") {
    REQUIRE(parse(edns_query(ecs(1, 20, 0, {10, 1, 0xF0}))) == ParseStatus::Ok);
    CHECK(parse.q.edns.ecs.address[2] == 0xF0);
  }
  SECTION("IPv4 /32") {
    REQUIRE(parse(edns_query(ecs(1, 32, 0, {198, 51, 100, 7}))) == ParseStatus::Ok);
    CHECK(parse.q.edns.ecs.address[3] == 7);
  }
  SECTION("IPv6 /56") {
    REQUIRE(parse(edns_query(ecs(2, 56, 0, {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56}))) == ParseStatus::Ok);
    CHECK(parse.q.edns.ecs.family == 2);
    CHECK(parse.q.edns.ecs.source_prefix == 56);
    CHECK(parse.q.edns.ecs.address[6] == 0x56);
    CHECK(parse.q.edns.ecs.address[7] == 0);
  }
  SECTION("IPv6 /128") {
    Bytes addr(16, 0xFF);
    REQUIRE(parse(edns_query(ecs(2, 128, 0, addr))) == ParseStatus::Ok);
    CHECK(Bytes(parse.q.edns.ecs.address, parse.q.edns.ecs.address + 16) == addr);
  }
  SECTION("ECS together with NSID and a cookie") {
    const Bytes rdata = concat(
        {option(edns_opt::kCookie, Bytes(8, 3)), ecs(1, 16, 0, {172, 16}), option(edns_opt::kNSID, {})});
    REQUIRE(parse(edns_query(rdata)) == ParseStatus::Ok);
    CHECK(parse.q.edns.has_ecs);
    CHECK(parse.q.edns.nsid_requested);
  }
}

TEST_CASE("parse_query rejects invalid client subnets", "[dns][message]") {
  Parser parse;
  const std::vector<std::pair<const char*, Bytes>> cases = {
      {"unknown family 0", ecs(0, 0, 0, {})},
      {"unknown family 3", ecs(3, 8, 0, {10})},
      {"IPv4 prefix over 32", ecs(1, 33, 0, {1, 2, 3, 4, 0})},
      {"IPv6 prefix over 128", ecs(2, 129, 0, Bytes(17, 0))},
      {"scope prefix set in a query", ecs(1, 24, 24, {192, 0, 2})},
      {"address longer than the prefix needs", ecs(1, 24, 0, {192, 0, 2, 0})},
      {"address shorter than the prefix needs", ecs(1, 24, 0, {192, 0})},
      {"bits set past the prefix", ecs(1, 23, 0, {192, 0, 3})},
      {"bits set past an IPv6 prefix", ecs(2, 60, 0, {0x20, 1, 0xd, 0xb8, 0, 0, 0, 0x0F})},
      {"address on a /0", ecs(1, 0, 0, {0})},
      {"option shorter than its fixed part", option(edns_opt::kECS, {0, 1, 0})},
      {"empty option", option(edns_opt::kECS, {})},
      {"two ECS options", concat({ecs(1, 24, 0, {192, 0, 2}), ecs(1, 24, 0, {192, 0, 2})})},
  };
  for (const auto& [what, rdata] : cases) {
    INFO(what);
    CHECK(parse(edns_query(rdata)) == ParseStatus::FormErr);
    CHECK(parse.q.edns.present);  // the FORMERR reply still carries OPT
    CHECK(parse.q.has_question);
  }
}

TEST_CASE("parse_query steps over other additional records", "[dns][message]") {
  Parser parse;
  SECTION("a TSIG after the OPT, with a compressed owner") {
    // TSIG owner "key.www.example.com" as "3key" + pointer to the question name at offset 12.
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 0, 2)
                          .question("www.example.com.")
                          .opt(1232, 0, option(edns_opt::kNSID, {}))
                          .raw({3, 'k', 'e', 'y', 0xC0, 12})
                          .u16(250)
                          .u16(rrclass::kANY)
                          .u32(0)
                          .u16(5)
                          .raw({1, 2, 3, 4, 5})
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::Ok);
    CHECK(parse.q.edns.present);
    CHECK(parse.q.edns.nsid_requested);
  }
  SECTION("an unrelated record before the OPT") {
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 0, 2)
                          .question("a.")
                          .rr("a.", rrtype::kA, rrclass::kIN, 0, {1, 2, 3, 4})
                          .opt(2048)
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::Ok);
    CHECK(parse.q.edns.udp_payload == 2048);
  }
  SECTION("no OPT at all") {
    const Bytes pkt =
        Packet().header(kId, 0, 1, 0, 0, 1).question("a.").rr("a.", 250, rrclass::kANY, 0, {1}).bytes();
    REQUIRE(parse(pkt) == ParseStatus::Ok);
    CHECK_FALSE(parse.q.edns.present);
  }
  SECTION("a forward pointer in an additional owner") {
    const Bytes pkt = Packet()
                          .header(kId, 0, 1, 0, 0, 1)
                          .question("a.")
                          .raw({0xC0, 0x20})
                          .u16(1)
                          .u16(1)
                          .u32(0)
                          .u16(0)
                          .bytes();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
    CHECK(parse.q.has_question);
  }
  SECTION("an additional record cut short") {
    Bytes pkt = Packet().header(kId, 0, 1, 0, 0, 1).question("a.").rr("a.", 1, 1, 0, {1, 2, 3, 4}).bytes();
    pkt.pop_back();
    REQUIRE(parse(pkt) == ParseStatus::FormErr);
  }
}

TEST_CASE("parse_query resets the query between calls", "[dns][message]") {
  Parser parse;
  REQUIRE(parse(edns_query(concat({ecs(1, 24, 0, {192, 0, 2}), option(edns_opt::kNSID, {})}), 4096,
                           0x8000)) == ParseStatus::Ok);
  REQUIRE(parse.q.edns.has_ecs);
  REQUIRE(parse(Packet().header(2, 0, 1, 0, 0, 0).question("b.").bytes()) == ParseStatus::Ok);
  CHECK(parse.q.id == 2);
  CHECK_FALSE(parse.q.edns.present);
  CHECK_FALSE(parse.q.edns.has_ecs);
  CHECK_FALSE(parse.q.edns.nsid_requested);
  CHECK_FALSE(parse.q.edns.dnssec_ok);
  CHECK(parse.q.edns.ecs.address[0] == 0);
  REQUIRE(parse(Bytes(12, 0)) == ParseStatus::FormErr);
  CHECK_FALSE(parse.q.has_question);
  CHECK(parse.q.qname_len == 0);
}

TEST_CASE("parse_query survives every truncation and random corruption", "[dns][message]") {
  const Bytes base = Packet()
                         .header(kId, flag::kRD, 1, 0, 0, 2)
                         .question("www.example.com.")
                         .opt(1232, 0x8000,
                              concat({ecs(2, 48, 0, {0x20, 1, 0xd, 0xb8, 0, 1}), option(edns_opt::kNSID, {}),
                                      option(edns_opt::kCookie, Bytes(8, 5))}))
                         .raw({3, 'k', 'e', 'y', 0xC0, 12})
                         .u16(250)
                         .u16(rrclass::kANY)
                         .u32(0)
                         .u16(2)
                         .raw({1, 2})
                         .bytes();
  Parser parse;
  REQUIRE(parse(base) == ParseStatus::Ok);
  CHECK(parse.q.edns.has_ecs);

  for (std::size_t len = 0; len < base.size(); ++len) {
    // Each prefix is copied to its own allocation so ASan sees any read past its end.
    const Bytes prefix(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(len));
    const ParseStatus st = parse(prefix);
    CHECK(st == (len < kHeaderSize ? ParseStatus::Drop : ParseStatus::FormErr));
  }

  std::mt19937 rng(777);
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes pkt = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) pkt[rng() % pkt.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 4 == 0) pkt.resize(rng() % (pkt.size() + 1));
    const ParseStatus st = parse(pkt);
    if (st == ParseStatus::Drop) continue;
    // Whatever came out must be internally consistent.
    if (parse.q.has_question) {
      REQUIRE(parse.q.qname_len >= 1);
      REQUIRE(parse.q.qname_len <= kMaxNameLen);
      REQUIRE(name_length(parse.q.qname) == parse.q.qname_len);
      REQUIRE(name_equal(parse.q.qname, parse.q.lqname));
    }
    if (st == ParseStatus::Ok) REQUIRE(parse.q.has_question);
  }
}
