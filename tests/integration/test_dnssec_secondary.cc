// SPDX-License-Identifier: MIT
// Secondaries of a signed zone: an AXFR from a running sgdns carries RRSIGs and an NSEC chain that
// ldns-verify-zone and kzonecheck accept (and refuse once one signature byte is changed), and a stock
// Knot secondary serves the transferred copy so that Debian's unbound, validating with the zone's key and
// stubbed to the secondary, gets validated answers, NXDOMAIN and NODATA from the chain.
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <sstream>
#include <thread>

#include "geo_setup.h"
#include "test_helpers.h"
#include "unbound_server.h"

using namespace sgdns::test;

namespace {

constexpr uint16_t kTypeNSEC = 47;

// A secure and an insecure delegation (the latter with glue, which stays unsigned and out of the chain)
// and a wildcard, beside the geo zone's static names.
const std::string kExtraRecords =
    "*.wild     IN A    192.0.2.77\n"
    "insecure   IN NS   ns.insecure\n"
    "ns.insecure IN A   192.0.2.54\n"
    "secure     IN NS   ns.elsewhere.example.\n"
    "secure     IN DS   12345 13 2 "
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "deep.down  IN TXT  \"below an empty non-terminal\"\n";

/// Makes a key for geo.test. with ldns-keygen in `dir` (`-k`: a KSK/CSK); returns its path without
/// extension.
std::string make_key(const TempDir& dir, bool sep) {
  auto r = run_command(
      "cd '" + dir.path() + "' && ldns-keygen -a ECDSAP256SHA256 " + (sep ? "-k " : "") + "geo.test",
      Millis(20000));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return dir.file(r.output.substr(0, r.output.find('\n')));
}

/// The AXFR of geo.test. from `port` as a zone file: kdig's records without its comments, the closing
/// SOA (a repeat of the first) left out.
std::string axfr_zone_file(uint16_t port, std::size_t& records) {
  auto r = run_command("kdig @127.0.0.1 -p " + std::to_string(port) + " +tcp geo.test. AXFR", Millis(20000));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.output);
  std::string line, out;
  bool soa_seen = false;
  records = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ';') continue;
    if (line.find("\tSOA\t") != std::string::npos) {
      if (soa_seen) continue;
      soa_seen = true;
    }
    out += line + "\n";
    ++records;
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

/// The zone text with one character of the first RRSIG covering A changed (in its signature, the last
/// field), so that signature no longer verifies.
std::string corrupt_one_rrsig(const std::string& zone) {
  const auto at = zone.find("\tRRSIG\tA ");
  REQUIRE(at != std::string::npos);
  const auto eol = zone.find('\n', at);
  std::string out = zone;
  const std::size_t pos = eol - 5;  // inside the base64 signature, away from its padding
  out[pos] = out[pos] == 'A' ? 'B' : 'A';
  return out;
}

struct Check {
  int exit_code;
  std::string output;
};

Check verify_with_ldns(const std::string& path) {
  auto r = run_command("ldns-verify-zone '" + path + "' 2>&1", Millis(60000));
  return {r.exit_code, r.output};
}

Check verify_with_knot(const std::string& path) {
  auto r = run_command("kzonecheck -o geo.test. --dnssec on '" + path + "' 2>&1", Millis(60000));
  return {r.exit_code, r.output};
}

/// Both zone verifiers on the zone file at `path`, each expected to accept it (or, with `valid` false, to
/// refuse it); `what` names the copy in the failure messages.
void check_verifiers(const std::string& path, bool valid, const std::string& what) {
  const Check ldns = verify_with_ldns(path);
  INFO("ldns-verify-zone on " << what << ":\n" << ldns.output);
  CHECK((ldns.exit_code == 0) == valid);
  const Check knot = verify_with_knot(path);
  INFO("kzonecheck on " << what << ":\n" << knot.output);
  CHECK((knot.exit_code == 0) == valid);
}

/// The SOA serial `port` serves for geo.test., or -1 when it does not answer for it.
long serial_at(uint16_t port) {
  return soa_serial_at(port, "geo.test.");
}

/// knotd as a plain secondary of geo.test. (no signing of its own: it serves what it transferred).
std::unique_ptr<Process> start_knot_secondary(const TempDir& dir, uint16_t primary, uint16_t port) {
  const std::string conf = "server:\n  rundir: \"" + dir.path() + "\"\n  listen: 127.0.0.1@" +
                           std::to_string(port) + "\ndatabase:\n  storage: \"" + dir.path() +
                           "\"\nlog:\n  - target: stderr\n    any: info\nremote:\n  - id: primary\n"
                           "    address: 127.0.0.1@" +
                           std::to_string(primary) +
                           "\nacl:\n  - id: from_primary\n    address: 127.0.0.1\n    action: notify\n"
                           "template:\n  - id: default\n    storage: \"" +
                           dir.path() +
                           "\"\n    zonefile-sync: -1\nzone:\n  - domain: geo.test.\n    master: primary\n"
                           "    acl: from_primary\n";
  const std::string path = dir.write("knot.conf", conf);
  return std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/knotd", "-c", path},
                                   dir.file("knot.log"));
}

Reply via(const UnboundServer& unbound, const std::string& name, uint16_t type) {
  QueryOptions q = make_query(name, type, true);
  q.rd = true;
  q.do_bit = true;  // RFC 6840 5.7: unbound sets AD for clients that show they understand DNSSEC
  return ask(Endpoint("127.0.0.1", unbound.port()), q, Transport::Udp, Millis(5000));
}

}  // namespace

TEST_CASE("an AXFR of a signed zone passes ldns-verify-zone and kzonecheck; one bad RRSIG fails both",
          "[integration][dnssec][axfr]") {
  TempDir keys;
  const std::string ksk = make_key(keys, true);
  const std::string zsk = make_key(keys, false);
  GeoSetup setup = default_geo_setup();
  setup.zone_dnssec_json =
      R"({"keys": [{"file": ")" + ksk + R"(", "role": "ksk"}, {"file": ")" + zsk + R"(", "role": "zsk"}]})";
  setup.extra_zone_records = kExtraRecords;
  GeoServer sgdns(setup);
  {
    bool ready = sgdns.wait_ready();
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(ready);
  }
  std::size_t records = 0;
  const std::string zone = axfr_zone_file(sgdns.port(), records);
  INFO(zone);
  // The owners of the chain: apex, ns1, www (its static fallback), static, *.wild, insecure, secure,
  // deep.down; not the glue, not the empty non-terminals (wild, down), not the geo-only names.
  CHECK(count_of(zone, "\tNSEC\t") == 8);
  CHECK(count_of(zone, "\tRRSIG\tNSEC ") == 8);
  CHECK(count_of(zone, "\tRRSIG\tDNSKEY ") == 1);  // the KSK signs the keys, the ZSK the rest
  CHECK(count_of(zone, "\tRRSIG\tSOA ") == 1);
  CHECK(count_of(zone, "\tRRSIG\tDS ") == 1);
  CHECK(count_of(zone, "\tRRSIG\tNS ") == 1);  // the apex's: a delegation's NS is not signed
  CHECK(sgdns.log().find("axfr of geo.test. to 127.0.0.1: allowed, serial 1") != std::string::npos);
  CHECK(sgdns.log().find("with RRSIGs and 8 NSEC") != std::string::npos);

  check_verifiers(sgdns.dir().write("axfr.zone", zone), true, "the AXFR");
  check_verifiers(sgdns.dir().write("corrupt.zone", corrupt_one_rrsig(zone)), false, "the corrupted copy");

  // An IXFR of a signed zone is answered in full (the journal holds unsigned changes only).
  auto ixfr = run_command("kdig @127.0.0.1 -p " + std::to_string(sgdns.port()) + " +tcp geo.test. IXFR=0",
                          Millis(20000));
  INFO(ixfr.output);
  CHECK(count_of(ixfr.output, "\tNSEC\t") == 8);
  CHECK(sgdns.log().find("signed zone, full transfer") != std::string::npos);

  // A reload that keeps most signatures (one new name, serial 2): the transfer mixes kept and new
  // signatures and a chain with a new link, and must verify as a whole again.
  sgdns.dir().write("geo.test.zone", geo_zone(2, kExtraRecords + "added IN A 192.0.2.99\n"));
  REQUIRE(sgdns.server().signal(SIGHUP));
  REQUIRE(wait_ms([&] { return serial_at(sgdns.port()) == 2; }, Millis(20000)) >= 0);
  CHECK(sgdns.log().find("kept their signatures") != std::string::npos);
  const std::string reloaded = axfr_zone_file(sgdns.port(), records);
  INFO(reloaded);
  CHECK(count_of(reloaded, "\tNSEC\t") == 9);
  CHECK(count_of(reloaded, "\tRRSIG\tNSEC ") == 9);
  check_verifiers(sgdns.dir().write("axfr-after-reload.zone", reloaded), true, "the AXFR after the reload");
}

TEST_CASE("a stock Knot secondary serves a signed zone from sgdns and unbound validates its answers",
          "[integration][dnssec][replication]") {
  TempDir keys, knot_dir;
  const std::string key = make_key(keys, true);
  GeoSetup setup = default_geo_setup();
  setup.zone_dnssec_json = R"({"keys": [{"file": ")" + key + R"(", "role": "csk"}]})";
  setup.extra_zone_records = kExtraRecords;
  const uint16_t knot_port = free_port();
  // The secondary is a NOTIFY target, so sgdns knows the zone has secondaries and warns about the geo
  // names without static records (ingest, media, video), which the secondary cannot have.
  setup.zone_extra_json = R"({"notify": [{"address": "127.0.0.1:)" + std::to_string(knot_port) + R"("}]})";
  GeoServer sgdns(setup);
  {
    bool ready = sgdns.wait_ready();
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(ready);
  }
  CHECK(sgdns.log().find("the geo name(s) ingest.geo.test., media.geo.test., video.geo.test. have no static "
                         "records") != std::string::npos);
  auto knot = start_knot_secondary(knot_dir, sgdns.port(), knot_port);
  {
    const auto end = std::chrono::steady_clock::now() + Millis(15000);
    while (serial_at(knot_port) != 1 && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(Millis(20));
    INFO("knot log:\n" << knot->log() << "\nsgdns log:\n" << sgdns.log());
    REQUIRE(serial_at(knot_port) == 1);
  }

  // The secondary itself denies from the chain: NXDOMAIN with the covering NSECs.
  QueryOptions nx = make_query("nope.geo.test.", kTypeA, true);
  nx.do_bit = true;
  Reply direct = ask(Endpoint("127.0.0.1", knot_port), nx);
  INFO(direct.text);
  CHECK(direct.rcode == kRcodeNxDomain);
  bool nsec = false;
  for (const auto& s : direct.authority) nsec = nsec || s.type == kTypeNSEC;
  CHECK(nsec);

  UnboundSetup us;
  us.zone = kGeoZone;
  us.auth_port = knot_port;  // the resolver asks only the secondary
  us.trust_anchor_file = key + ".key";
  auto unbound = std::make_unique<UnboundServer>(us);  // throws, failing the test, if it does not come up
  INFO("unbound log:\n" << unbound->log() << "\nknot log:\n" << knot->log());

  Reply a = via(*unbound, "static.geo.test.", kTypeA);
  INFO(a.text);
  CHECK(a.ad);
  CHECK(answer_rdata(a, kTypeA) == std::set<std::string>{"192.0.2.90"});
  // A geo name: the secondary has only its static fallback, and that validates.
  Reply www = via(*unbound, "www.geo.test.", kTypeA);
  INFO(www.text);
  CHECK(www.ad);
  CHECK(answer_rdata(www, kTypeA) == std::set<std::string>{"192.0.2.80"});
  Reply wild = via(*unbound, "anything.wild.geo.test.", kTypeA);
  INFO(wild.text);
  CHECK(wild.ad);  // a wildcard expansion needs the chain's proof that no closer name exists
  CHECK(answer_rdata(wild, kTypeA) == std::set<std::string>{"192.0.2.77"});

  Reply missing = via(*unbound, "nope.geo.test.", kTypeA);
  INFO(missing.text);
  CHECK(missing.rcode == kRcodeNxDomain);
  CHECK(missing.ad);
  Reply nodata = via(*unbound, "static.geo.test.", kTypeTXT);
  INFO(nodata.text);
  CHECK(nodata.rcode == kRcodeNoError);
  CHECK(nodata.answer.empty());
  CHECK(nodata.ad);
  Reply ent = via(*unbound, "down.geo.test.", kTypeA);  // an empty non-terminal: NODATA
  INFO(ent.text);
  CHECK(ent.rcode == kRcodeNoError);
  CHECK(ent.ad);
  Reply insecure = via(*unbound, "insecure.geo.test.", kTypeDS);
  INFO(insecure.text);
  CHECK(insecure.rcode == kRcodeNoError);
  CHECK(insecure.answer.empty());
  CHECK(insecure.ad);  // the NSEC at the cut proves there is no DS
}
