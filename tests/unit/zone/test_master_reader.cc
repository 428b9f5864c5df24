// SPDX-License-Identifier: MIT
// Tests for the RFC 1035 master-file reader: lexing, directives, $INCLUDE, RDATA wire forms and errors.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sgdns/dns/types.h"
#include "sgdns/zone/master_reader.h"

namespace {

using sgdns::zone::MasterFile;
using sgdns::zone::ParsedRecord;
using sgdns::zone::read_master_file;
using sgdns::zone::read_master_text;
using sgdns::zone::ZoneError;
namespace rrtype = sgdns::dns::rrtype;
using Bytes = std::vector<std::uint8_t>;

const std::string kDataDir = SGDNS_TEST_DATA "/unit/zone/data";

MasterFile read(const std::string& text) {
  return read_master_text(text, "test.zone", "example.com.");
}

/// The single record `text` must produce.
ParsedRecord read_one(const std::string& text) {
  MasterFile zone = read(text);
  REQUIRE(zone.records.size() == 1);
  return zone.records.front();
}

/// RDATA of the one record `record` (given $TTL 300 before it).
Bytes rdata_of(const std::string& record) {
  return read_one("$TTL 300\n" + record + "\n").rdata;
}

/// Wire form of a plain dotted name (no escapes), e.g. "www.example.com.".
Bytes wire(std::string_view dotted) {
  Bytes out;
  while (!dotted.empty() && dotted != ".") {
    const std::size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  out.push_back(0);
  return out;
}

Bytes hex(std::string_view digits) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(digits.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes u16(std::uint16_t value) {
  return {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

Bytes u32(std::uint32_t value) {
  return concat({u16(static_cast<std::uint16_t>(value >> 16)), u16(value & 0xFFFF)});
}

Bytes u8(std::uint8_t value) {
  return {value};
}

Bytes chars(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

/// A DNS character-string: length byte, then the characters.
Bytes str(std::string_view text) {
  Bytes out{static_cast<std::uint8_t>(text.size())};
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

/// The ZoneError that reading `text` throws.
ZoneError error_of(const std::string& text) {
  try {
    (void)read(text);
  } catch (const ZoneError& error) {
    return error;
  }
  FAIL("no ZoneError for: " << text);
  throw std::logic_error("unreachable");
}

ZoneError file_error_of(const std::string& path) {
  try {
    (void)read_master_file(path, "example.com.");
  } catch (const ZoneError& error) {
    return error;
  }
  FAIL("no ZoneError for " << path);
  throw std::logic_error("unreachable");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string fixture(const std::string& relative) {
  return kDataDir + "/" + relative;
}

/// Writes `text` to `path`, creating folders as needed.
void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("a record with every field explicit", "[zone]") {
  const ParsedRecord record = read_one("www.example.com. 3600 IN A 192.0.2.1\n");
  CHECK(record.owner == wire("www.example.com."));
  CHECK(record.type == rrtype::kA);
  CHECK(record.rclass == sgdns::dns::rrclass::kIN);
  CHECK(record.ttl == 3600);
  CHECK(record.rdata == hex("c0000201"));
  CHECK(record.file == "test.zone");
  CHECK(record.line == 1);
}

TEST_CASE("owners: relative, @, absolute, blank and lowercased", "[zone]") {
  const MasterFile zone = read(R"zone($TTL 60
@ A 192.0.2.1
www A 192.0.2.2
	A 192.0.2.3
  ; a comment-only line does not change the owner
    AAAA ::1
Mixed.Other.ORG. A 192.0.2.4
)zone");
  REQUIRE(zone.records.size() == 5);
  CHECK(zone.records[0].owner == wire("example.com."));
  CHECK(zone.records[1].owner == wire("www.example.com."));
  CHECK(zone.records[2].owner == wire("www.example.com."));
  CHECK(zone.records[2].line == 4);
  CHECK(zone.records[3].owner == wire("www.example.com."));
  CHECK(zone.records[3].line == 6);
  CHECK(zone.records[4].owner == wire("mixed.other.org."));
}

TEST_CASE("owners with escaped characters", "[zone]") {
  CHECK(read_one(R"($TTL 1
a\.b A 192.0.2.1)")
            .owner == concat({str("a.b"), wire("example.com.")}));
  CHECK(read_one(R"($TTL 1
A\032B A 192.0.2.1)")
            .owner == concat({str("a b"), wire("example.com.")}));
  CHECK(read_one("$TTL 1\n*.Wild A 192.0.2.1").owner == wire("*.wild.example.com."));
}

TEST_CASE("$ORIGIN: absolute, relative to the current origin, and @", "[zone]") {
  const MasterFile zone = read(R"zone($TTL 60
$ORIGIN other.net.
a A 192.0.2.1
$ORIGIN sub ; relative: sub.other.net.
b A 192.0.2.2
@ CNAME a
)zone");
  REQUIRE(zone.records.size() == 3);
  CHECK(zone.records[0].owner == wire("a.other.net."));
  CHECK(zone.records[1].owner == wire("b.sub.other.net."));
  CHECK(zone.records[2].owner == wire("sub.other.net."));
  CHECK(zone.records[2].rdata == wire("a.sub.other.net."));
}

TEST_CASE("TTL units and defaults", "[zone]") {
  SECTION("units, and TTL and class in either order") {
    const MasterFile zone = read(R"zone($TTL 1h30m
a A 192.0.2.1
b 1w A 192.0.2.1
c 2d3h IN A 192.0.2.1
d IN 90 A 192.0.2.1
e 1H30 A 192.0.2.1
f 0 A 192.0.2.1
g 2147483647 A 192.0.2.1
)zone");
    REQUIRE(zone.records.size() == 7);
    CHECK(zone.records[0].ttl == 5400);
    CHECK(zone.records[1].ttl == 604800);
    CHECK(zone.records[2].ttl == 2 * 86400 + 3 * 3600);
    CHECK(zone.records[3].ttl == 90);
    CHECK(zone.records[4].ttl == 3630);
    CHECK(zone.records[5].ttl == 0);
    CHECK(zone.records[6].ttl == 2147483647);
  }
  SECTION("$TTL wins over an earlier explicit TTL") {
    const MasterFile zone =
        read("a 10 A 192.0.2.1\n$TTL 20\nb A 192.0.2.1\nc 30 A 192.0.2.1\nd A 192.0.2.1\n");
    REQUIRE(zone.records.size() == 4);
    CHECK(zone.records[1].ttl == 20);
    CHECK(zone.records[2].ttl == 30);
    CHECK(zone.records[3].ttl == 20);
  }
  SECTION("without $TTL the last explicit TTL is the default (RFC 1035)") {
    const MasterFile zone = read("a 10 A 192.0.2.1\nb A 192.0.2.1\nc 30 A 192.0.2.1\nd A 192.0.2.1\n");
    REQUIRE(zone.records.size() == 4);
    CHECK(zone.records[1].ttl == 10);
    CHECK(zone.records[3].ttl == 30);
  }
  SECTION("no TTL at all") {
    const ZoneError error = error_of("; header\nwww IN A 192.0.2.1\n");
    CHECK(error.file() == "test.zone");
    CHECK(error.line() == 2);
    CHECK(contains(error.what(), "no TTL"));
  }
  SECTION("bad TTLs") {
    CHECK(contains(error_of("$TTL 1x\n").what(), "test.zone:1: bad TTL \"1x\""));
    CHECK(contains(error_of("$TTL h\n").what(), "bad TTL \"h\""));
    CHECK(contains(error_of("$TTL 2147483648\n").what(), "bad TTL"));
    CHECK(contains(error_of("a 1h1x A 192.0.2.1\n").what(), "bad TTL \"1h1x\""));
    CHECK(contains(error_of("$TTL\n").what(), "$TTL takes one TTL"));
  }
}

TEST_CASE("multi-line SOA in parentheses with comments", "[zone]") {
  const MasterFile zone = read(R"zone($TTL 3600

@ IN SOA ns1 hostmaster.example.com. ( ; primary and contact
        2024010101 ; serial
        2h         ; refresh
        1h         ; retry
        2w         ; expire
        300 )      ; minimum
  IN NS ns1
)zone");
  REQUIRE(zone.records.size() == 2);
  const ParsedRecord& soa = zone.records[0];
  CHECK(soa.type == rrtype::kSOA);
  CHECK(soa.line == 3);
  CHECK(soa.owner == wire("example.com."));
  CHECK(soa.rdata == concat({wire("ns1.example.com."), wire("hostmaster.example.com."), u32(2024010101),
                             u32(7200), u32(3600), u32(1209600), u32(300)}));
  CHECK(zone.records[1].line == 9);
  CHECK(zone.records[1].owner == wire("example.com."));
  CHECK(zone.records[1].rdata == wire("ns1.example.com."));
}

TEST_CASE("RDATA wire forms of the common types", "[zone]") {
  CHECK(rdata_of("a A 192.0.2.1") == hex("c0000201"));
  CHECK(rdata_of("a NS ns.other.net.") == wire("ns.other.net."));
  CHECK(rdata_of("a AAAA 2001:db8::1") == hex("20010db8000000000000000000000001"));
  CHECK(rdata_of("a CNAME target") == wire("target.example.com."));
  CHECK(rdata_of("a CNAME @") == wire("example.com."));
  CHECK(rdata_of("a MX 10 mail") == concat({u16(10), wire("mail.example.com.")}));
  CHECK(rdata_of("a MX 0 .") == concat({u16(0), wire(".")}));
  CHECK(rdata_of("_sip._tcp SRV 10 20 5060 sip.example.com.") ==
        concat({u16(10), u16(20), u16(5060), wire("sip.example.com.")}));
  CHECK(rdata_of("1.2.0.192.in-addr.arpa. PTR host.example.com.") == wire("host.example.com."));
  CHECK(rdata_of("a DNAME other.net.") == wire("other.net."));
  CHECK(rdata_of(R"(a CAA 0 issue "letsencrypt.org")") ==
        concat({u8(0), str("issue"), chars("letsencrypt.org")}));
  CHECK(rdata_of("a CAA 128 issue ca.example") == concat({u8(128), str("issue"), chars("ca.example")}));
  CHECK(rdata_of(R"(a CAA 0 iodef "mailto:a b;c")") == concat({u8(0), str("iodef"), chars("mailto:a b;c")}));
}

TEST_CASE("names in RDATA keep their case and escapes", "[zone]") {
  CHECK(rdata_of(R"(a MX 10 Mail.Ex\.ample.COM.)") ==
        concat({u16(10), str("Mail"), str("Ex.ample"), str("COM"), u8(0)}));
  CHECK(rdata_of(R"(a PTR a\032b.)") == concat({str("a b"), u8(0)}));
  CHECK(rdata_of("a CNAME Target") == concat({str("Target"), wire("example.com.")}));
}

TEST_CASE("TXT strings: quotes, spaces, escapes, semicolons", "[zone]") {
  CHECK(rdata_of(R"(a TXT "hello world")") == str("hello world"));
  CHECK(rdata_of(R"(a TXT "a\"b" "x;y" plain)") == concat({str("a\"b"), str("x;y"), str("plain")}));
  CHECK(rdata_of(R"(a TXT "")") == str(""));
  CHECK(rdata_of(R"(a TXT "\065\\")") == str("A\\"));
  CHECK(rdata_of(R"(a TXT one\;two ; comment)") == str("one;two"));
  CHECK(rdata_of(R"(a TXT ( "first" ; comment
      "second ; not a comment" ))") == concat({str("first"), str("second ; not a comment")}));
  CHECK(rdata_of("a TXT \"paren ( inside )\" \"tab\there\"") ==
        concat({str("paren ( inside )"), str("tab\there")}));
}

TEST_CASE("RFC 3597 unknown types, classes and generic RDATA", "[zone]") {
  const ParsedRecord unknown = read_one(R"(a 300 CLASS1 TYPE65280 \# 4 abcd EF01)");
  CHECK(unknown.type == 65280);
  CHECK(unknown.rclass == sgdns::dns::rrclass::kIN);
  CHECK(unknown.rdata == hex("abcdef01"));
  CHECK(rdata_of(R"(a TYPE65280 \# 0)").empty());
  CHECK(rdata_of(R"(a TYPE65280 ( \# 3 ab
                                  cd ef ))") == hex("abcdef"));
  CHECK(read_one(R"(a 1 type1 \# 4 C0000201)").type == rrtype::kA);
  CHECK(rdata_of(R"(a type1 \# 4 C0000201)") == hex("c0000201"));
  CHECK(rdata_of(R"(a MX \# 3 000a00)") == concat({u16(10), u8(0)}));
  CHECK(rdata_of(R"(a TXT \# 3 026869)") == str("hi"));
  SECTION("errors") {
    CHECK(contains(error_of(R"(a 1 TYPE65280 \# 3 abcd)").what(), "RFC 3597 RDATA length is 3"));
    CHECK(contains(error_of(R"(a 1 TYPE65280 \# 2 abc)").what(), "RFC 3597 RDATA length is 2"));
    CHECK(contains(error_of(R"(a 1 TYPE65280 \# 2 abcx)").what(), "bad hex digit"));
    CHECK(contains(error_of(R"(a 1 TYPE65280 \#)").what(), "RDATA length"));
    CHECK(contains(error_of(R"(a 1 TYPE65280 \# x)").what(), "bad RFC 3597 RDATA length"));
    CHECK(contains(error_of(R"(a 1 TYPE65280 abcd)").what(), "cannot parse record"));
    // ldns keeps the first 4 bytes of this A and the first 3 of this MX and drops the rest.
    CHECK(contains(error_of(R"(a 1 A \# 5 c000020101)").what(), "is not valid A RDATA"));
    CHECK(contains(error_of(R"(a 1 MX \# 4 000a0000)").what(), "is not valid MX RDATA"));
    CHECK(contains(error_of(R"(a 1 A \# 3 c00002)").what(), "cannot parse record"));
    CHECK(contains(error_of(R"(a 1 TYPE65536 \# 0)").what(), "unknown type \"TYPE65536\""));
    CHECK(contains(error_of("a 1 TYPE1x 192.0.2.1").what(), "unknown type"));
    CHECK(contains(error_of(R"(a 1 TYPE0 \# 0)").what(), "unknown type"));
  }
}

TEST_CASE("record errors name the file and line", "[zone]") {
  SECTION("bad RDATA quotes the record and ldns's reason") {
    const ZoneError error = error_of("$TTL 1\n\nwww IN A 1.2.3\n");
    CHECK(error.file() == "test.zone");
    CHECK(error.line() == 3);
    CHECK(
        std::string(error.what()) ==
        "test.zone:3: cannot parse record \"www IN A 1.2.3\": Syntax error, could not parse the RR's rdata");
  }
  SECTION("trailing junk") {
    CHECK(contains(error_of("a 1 A 192.0.2.1 junk").what(), "superfluous text"));
    CHECK(contains(error_of("a 1 SOA ns host 1 2 3 4 5 6").what(), "superfluous text"));
    CHECK(contains(error_of(R"(a 1 CAA 0 issue "x" more)").what(), "superfluous text"));
  }
  SECTION("missing RDATA") {
    CHECK(contains(error_of("a 1 MX 10").what(), "cannot parse record"));
  }
  SECTION("numbers out of range") {
    CHECK(contains(error_of("a 1 MX 65536 mail").what(), "number \"65536\" out of range"));
    CHECK(contains(error_of("a 1 MX -1 mail").what(), "out of range"));
    CHECK(contains(error_of("a 1 SRV 1 2 70000 t.").what(), "out of range"));
    CHECK(contains(error_of(R"(a 1 CAA 256 issue "x")").what(), "out of range"));
    CHECK(contains(error_of("a 1 SOA ns host 4294967296 1 1 1 1").what(), "out of range"));
    CHECK(rdata_of("a SOA ns. host. 4294967295 1 1 1 1") ==
          concat({wire("ns."), wire("host."), u32(4294967295), u32(1), u32(1), u32(1), u32(1)}));
  }
  SECTION("classes other than IN") {
    const ZoneError error = error_of("$TTL 1\nversion CH TXT \"1.0\"");
    CHECK(error.line() == 2);
    CHECK(contains(error.what(), "class CH not supported"));
    CHECK(contains(error_of("a 300 CLASS3 A 192.0.2.1").what(), "class CLASS3 not supported"));
    CHECK(contains(error_of("a 1 HS A 192.0.2.1").what(), "class HS not supported"));
  }
  SECTION("types") {
    CHECK(contains(error_of("a 1 IN FOO 1").what(), "unknown type \"FOO\""));
    CHECK(contains(error_of(R"(a 1 IN AXFR \# 0)").what(), "type AXFR cannot appear in a zone"));
    CHECK(contains(error_of("a 300 IN").what(), "record has no type"));
  }
  SECTION("bad names") {
    const std::string label64(64, 'x');
    const ZoneError owner = error_of("$TTL 1\n\n" + label64 + " A 192.0.2.1");
    CHECK(owner.line() == 3);
    CHECK(contains(owner.what(), "bad name"));
    CHECK(contains(error_of("a 1 CNAME " + label64).what(), "cannot parse record"));
    CHECK(contains(error_of("a..b 1 A 192.0.2.1").what(), "bad name"));
    const std::string long_relative = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                      std::string(63, 'c') + "." + std::string(50, 'd');
    CHECK(contains(error_of(long_relative + " 1 A 192.0.2.1").what(), "longer than 255 bytes"));
    CHECK(contains(error_of("a 1 CNAME " + long_relative).what(), "longer than 255 bytes"));
  }
  SECTION("unterminated quote") {
    const ZoneError error = error_of("$TTL 1\na TXT \"no end\nb A 192.0.2.1\n");
    CHECK(error.line() == 2);
    CHECK(contains(error.what(), "unterminated quoted string"));
    CHECK(error_of("$TTL 1\na TXT (\n \"x\"\n \"open\n)").line() == 4);
  }
  SECTION("unbalanced parentheses") {
    const ZoneError open = error_of("$TTL 1\n@ SOA ns host (\n 1 2 3\n 4 5\n\nwww A 192.0.2.1\n");
    CHECK(open.line() == 2);
    CHECK(contains(open.what(), "never closed"));
    const ZoneError close = error_of("$TTL 1\na A 192.0.2.1\nb A 192.0.2.2 )\n");
    CHECK(close.line() == 3);
    CHECK(contains(close.what(), "')' without a matching '('"));
    CHECK(contains(error_of(R"(a 1 TXT ( ( "x" ) ))").what(), "nested '('"));
  }
  SECTION("the first error in the file is the one reported") {
    CHECK(error_of("$TTL 1\na A 1.2.3\nb TXT ( \"never closed\"\n").line() == 2);
  }
  SECTION("blank owner with nothing before it") {
    const ZoneError error = error_of("$TTL 1\n  A 192.0.2.1\n");
    CHECK(error.line() == 2);
    CHECK(contains(error.what(), "no previous owner"));
  }
  SECTION("backslash at the end of a line") {
    CHECK(error_of("$TTL 1\na TXT x\\\nb A 192.0.2.1").line() == 2);
  }
}

TEST_CASE("directive errors", "[zone]") {
  CHECK(contains(error_of("$GENERATE 1-2 a$ A 192.0.2.$").what(), "unsupported directive $GENERATE"));
  CHECK(contains(error_of("$ORIGIN\n").what(), "$ORIGIN takes one name"));
  CHECK(contains(error_of("$ORIGIN a b\n").what(), "$ORIGIN takes one name"));
  CHECK(contains(error_of("$ORIGIN a..b\n").what(), "bad name"));
  CHECK(contains(error_of("$INCLUDE\n").what(), "$INCLUDE takes a file name"));
  CHECK(contains(error_of("$INCLUDE a b c\n").what(), "$INCLUDE takes a file name"));
  CHECK_THROWS_AS(read_master_text("", "x.zone", "a..b."), ZoneError);
}

TEST_CASE("CRLF line ends and a last line without a newline", "[zone]") {
  const MasterFile zone = read("$TTL 1\r\na A 192.0.2.1\r\n\tTXT \"x\"\r\nb A 192.0.2.2");
  REQUIRE(zone.records.size() == 3);
  CHECK(zone.records[1].rdata == str("x"));
  CHECK(zone.records[2].line == 4);
}

TEST_CASE("an empty text or only comments gives no records", "[zone]") {
  CHECK(read("").records.empty());
  CHECK(read("; nothing\n\n   \n\t; still nothing").records.empty());
}

TEST_CASE("$INCLUDE: nesting, origins, relative paths and restoring the origin", "[zone]") {
  const std::string main_zone = fixture("include/main.zone");
  const MasterFile zone = read_master_file(main_zone, "example.com.");
  REQUIRE(zone.records.size() == 8);
  struct Expected {
    const char* owner;
    const char* file;
    int line;
  };
  const Expected expected[] = {
      {"example.com.", "include/main.zone", 4},                       // SOA at @
      {"www.hosts.example.com.", "include/sub/hosts.zone", 2},        // include origin "hosts", relative
      {"x.changed.example.com.", "include/sub/hosts.zone", 4},        // $ORIGIN inside the include
      {"n.deep.changed.example.com.", "include/sub/nested.zone", 2},  // path relative to sub/
      {"y.changed.example.com.", "include/sub/hosts.zone", 6},        // hosts.zone's origin restored
      {"after.example.com.", "include/main.zone", 6},                 // main.zone's origin restored
      {"p.example.com.", "include/sub/plain.zone", 2},                // quoted path, inherited origin
      {"after.example.com.", "include/main.zone", 8},                 // blank owner: main.zone's last owner
  };
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    INFO("record " << i);
    CHECK(zone.records[i].owner == wire(expected[i].owner));
    CHECK(zone.records[i].file == fixture(expected[i].file));
    CHECK(zone.records[i].line == expected[i].line);
    CHECK(zone.records[i].ttl == 300);
  }
  REQUIRE(zone.sources.size() == 4);
  CHECK(zone.sources[0].path == main_zone);
  CHECK(zone.sources[1].path == fixture("include/sub/hosts.zone"));
  CHECK(zone.sources[2].path == fixture("include/sub/nested.zone"));
  CHECK(zone.sources[3].path == fixture("include/sub/plain.zone"));
  for (const auto& source : zone.sources) {
    CHECK(source.size == std::filesystem::file_size(source.path));
    CHECK(source.mtime_ns > 0);
  }
}

TEST_CASE("$INCLUDE from text resolves against base_dir", "[zone]") {
  const MasterFile zone = read_master_text("$TTL 60\n$INCLUDE sub/plain.zone other.net.\n", "inline",
                                           "example.com.", fixture("include"));
  REQUIRE(zone.records.size() == 1);
  CHECK(zone.records[0].owner == wire("p.other.net."));
  CHECK(zone.records[0].file == fixture("include/sub/plain.zone"));
  REQUIRE(zone.sources.size() == 1);
  CHECK(zone.sources[0].path == fixture("include/sub/plain.zone"));
}

TEST_CASE("$INCLUDE errors name the including file and the directive's line", "[zone]") {
  SECTION("recursion") {
    const ZoneError error = file_error_of(fixture("recursive_a.zone"));
    CHECK(error.file() == fixture("recursive_b.zone"));
    CHECK(error.line() == 3);
    CHECK(contains(error.what(), "recursive"));
  }
  SECTION("missing file") {
    const ZoneError error = file_error_of(fixture("missing_include.zone"));
    CHECK(error.file() == fixture("missing_include.zone"));
    CHECK(error.line() == 3);
    CHECK(contains(error.what(), "does-not-exist.zone"));
    CHECK(contains(error.what(), "No such file or directory"));
  }
  SECTION("an error inside the included file names that file") {
    const ZoneError error = file_error_of(fixture("include_with_error.zone"));
    CHECK(error.file() == fixture("bad_record.zone"));
    CHECK(error.line() == 3);
  }
  SECTION("the top file itself is missing") {
    const ZoneError error = file_error_of(fixture("nope.zone"));
    CHECK(error.file() == fixture("nope.zone"));
    CHECK(error.line() == 0);
    CHECK(std::string(error.what()) == fixture("nope.zone") + ": cannot open: No such file or directory");
  }
  SECTION("a folder is not a zone file") {
    CHECK(contains(file_error_of(kDataDir).what(), "cannot open: Is a directory"));
  }
}

TEST_CASE("$INCLUDE reads only regular files", "[zone]") {
  // A device or a FIFO is never zone data: /dev/zero would be read until memory runs out, and opening a
  // FIFO would wait for a writer forever. Before the check, /dev/null was read as an empty zone file.
  CHECK(contains(error_of("$INCLUDE /dev/null\n").what(), "not a regular file"));
  CHECK(contains(error_of("$INCLUDE /dev/zero\n").what(), "not a regular file"));
  char folder[] = "/tmp/sgdns-fifo-XXXXXX";
  REQUIRE(::mkdtemp(folder) != nullptr);
  const std::string fifo = std::string(folder) + "/pipe.zone";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(contains(error_of("$INCLUDE " + fifo + "\n").what(), "not a regular file"));
  CHECK(contains(file_error_of(fifo).what(), "not a regular file"));
  ::unlink(fifo.c_str());
  ::rmdir(folder);
}

TEST_CASE("$INCLUDE depth limit is 16", "[zone]") {
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("sgdns_include_depth_" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  // level0.zone includes level1.zone, which includes level2.zone ... up to level<n>.zone with one record.
  const auto make_chain = [&](int n) {
    for (int level = 0; level < n; ++level) {
      write_file(folder / ("level" + std::to_string(level) + ".zone"),
                 "$INCLUDE level" + std::to_string(level + 1) + ".zone\n");
    }
    write_file(folder / ("level" + std::to_string(n) + ".zone"), "leaf 60 A 192.0.2.1\n");
  };
  make_chain(16);
  CHECK(read_master_file((folder / "level0.zone").string(), "example.com.").records.size() == 1);
  make_chain(17);
  const ZoneError error = file_error_of((folder / "level0.zone").string());
  CHECK(error.file() == (folder / "level16.zone").string());
  CHECK(error.line() == 1);
  CHECK(contains(error.what(), "nested deeper than 16"));
  std::filesystem::remove_all(folder);
}
