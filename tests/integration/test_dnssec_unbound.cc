// SPDX-License-Identifier: MIT
// DNSSEC against a real validator: sgdns signs geo.test. with a key made by ldns-keygen, and Debian's
// unbound, with that key as its trust anchor, validates geo answers per client network, compact denial
// (NXDOMAIN and NODATA), a CNAME pool answer, a wildcard, delegations with and without DS, and refuses a
// reply whose RDATA a proxy changed on the way. Straight from sgdns: RRSIGs only with DO, and RFC 9824's
// Compact Answers OK flag (CO) giving the compact denial back its NXDOMAIN.
#include <catch2/catch.hpp>

#include "geo_setup.h"
#include "tamper_proxy.h"
#include "test_helpers.h"
#include "unbound_server.h"

using namespace sgdns::test;

namespace {

constexpr uint16_t kTypeRRSIG = 46, kTypeNSEC = 47, kTypeDNSKEY = 48;

// In-zone CDN target (so unbound can validate the whole chain), a wildcard, and two delegations: one
// with a DS (secure), one without (insecure).
const std::string kExtraRecords =
    "cdn        IN A    192.0.2.99\n"
    "cdn        IN AAAA 2001:db8:5347:9::99\n"
    "*.wild     IN A    192.0.2.77\n"
    "insecure   IN NS   ns.insecure\n"
    "ns.insecure IN A   192.0.2.54\n"
    "secure     IN NS   ns.secure\n"
    "secure     IN DS   12345 13 2 "
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "ns.secure  IN A    192.0.2.55\n"
    "big        IN TXT  \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n"
    "big        IN TXT  \"1123456789012345678901234567890123456789012345678901234567890123456789\"\n"
    "big        IN TXT  \"2123456789012345678901234567890123456789012345678901234567890123456789\"\n"
    "big        IN TXT  \"3123456789012345678901234567890123456789012345678901234567890123456789\"\n"
    "big        IN TXT  \"4123456789012345678901234567890123456789012345678901234567890123456789\"\n";

// Makes a CSK for geo.test. with ldns-keygen in `dir`; returns the key files' path without extension.
std::string make_key(const TempDir& dir) {
  auto r =
      run_command("cd '" + dir.path() + "' && ldns-keygen -a ECDSAP256SHA256 -k geo.test", Millis(20000));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return dir.file(r.output.substr(0, r.output.find('\n')));
}

QueryOptions validating(const std::string& name, uint16_t type) {
  QueryOptions q = make_query(name, type, true);
  q.rd = true;
  q.do_bit = true;  // RFC 6840 5.7: unbound sets AD for clients that show they understand DNSSEC
  return q;
}

Reply via(const UnboundServer& unbound, const std::string& source, const std::string& name, uint16_t type) {
  Reply r = ask(Endpoint("127.0.0.1", unbound.port(), source), validating(name, type), Transport::Udp,
                Millis(5000));
  return r;
}

bool has_type(const std::set<RRset>& section, uint16_t type) {
  for (const auto& s : section) {
    if (s.type == type) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("unbound validates signed geo answers, compact denial, CNAME pools and delegations",
          "[integration][dnssec]") {
  TempDir keys;
  const std::string key = make_key(keys);
  GeoSetup setup = default_geo_setup();
  setup.zone_dnssec_json = R"({"keys": [{"file": ")" + key + R"(", "role": "csk"}]})";
  setup.cdn_target = "cdn.geo.test.";
  setup.extra_zone_records = kExtraRecords;
  GeoServer sgdns(setup);
  {
    bool ready = sgdns.wait_ready();
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(ready);
  }

  SECTION("straight from sgdns: RRSIGs with DO only, AD never, compact denial") {
    auto kdig = run_command("kdig @127.0.0.1 -p " + std::to_string(sgdns.port()) +
                            " +dnssec +subnet=127.0.1.0/24 www.geo.test. A");
    INFO(kdig.output);
    CHECK(kdig.exit_code == 0);
    CHECK(kdig.output.find("RRSIG\tA 13 3 20") != std::string::npos);
    CHECK(kdig.output.find(" ad;") == std::string::npos);

    Reply plain = ask(sgdns.endpoint(), make_query("www.geo.test.", kTypeA, true));
    CHECK_FALSE(has_type(plain.answer, kTypeRRSIG));
    QueryOptions dq = make_query("www.geo.test.", kTypeA, true);
    dq.do_bit = true;
    Reply signed_reply = ask(sgdns.endpoint(), dq);
    INFO(signed_reply.text);
    CHECK(has_type(signed_reply.answer, kTypeRRSIG));
    CHECK_FALSE(signed_reply.ad);

    // Without DO a missing name is NXDOMAIN; with DO it is NOERROR with an NSEC that lists only NXNAME
    // (RFC 9824), signed.
    CHECK(ask(sgdns.endpoint(), make_query("nope.geo.test.", kTypeA, true)).rcode == kRcodeNxDomain);
    QueryOptions nx = make_query("nope.geo.test.", kTypeA, true);
    nx.do_bit = true;
    Reply denial = ask(sgdns.endpoint(), nx);
    INFO(denial.text);
    CHECK(denial.rcode == kRcodeNoError);
    CHECK(has_type(denial.authority, kTypeNSEC));
    CHECK(denial.text.find("TYPE128") != std::string::npos);

    // An insecure delegation: NS, and an NSEC at the cut with NS but no DS; a secure one: NS and DS.
    QueryOptions in = make_query("host.insecure.geo.test.", kTypeA, true);
    in.do_bit = true;
    Reply insecure = ask(sgdns.endpoint(), in);
    INFO(insecure.text);
    CHECK(has_type(insecure.authority, kTypeNS));
    CHECK(has_type(insecure.authority, kTypeNSEC));
    CHECK_FALSE(has_type(insecure.authority, kTypeDS));
    QueryOptions sec = make_query("host.secure.geo.test.", kTypeA, true);
    sec.do_bit = true;
    Reply secure = ask(sgdns.endpoint(), sec);
    INFO(secure.text);
    CHECK(has_type(secure.authority, kTypeDS));
    CHECK(has_type(secure.authority, kTypeRRSIG));
    CHECK_FALSE(has_type(secure.authority, kTypeNSEC));

    // The TXT RRset fits 512 bytes alone but not with its RRSIG: TC over UDP, all of it over TCP.
    QueryOptions small = make_query("big.geo.test.", kTypeTXT, true);
    small.udp_size = 512;
    Reply unsigned_small = ask(sgdns.endpoint(), small);
    CHECK_FALSE(unsigned_small.tc);
    small.do_bit = true;
    Reply truncated = ask(sgdns.endpoint(), small);
    INFO(truncated.text);
    CHECK(truncated.tc);
    CHECK(truncated.answer.empty());
    Reply over_tcp = ask(sgdns.endpoint(), small, Transport::Tcp);
    INFO(over_tcp.text);
    CHECK_FALSE(over_tcp.tc);
    CHECK(answer_rdata(over_tcp, kTypeTXT).size() == 5);
    CHECK(has_type(over_tcp.answer, kTypeRRSIG));
  }

  SECTION("Compact Answers OK (RFC 9824 CO): NXDOMAIN with the same proof, CO echoed") {
    QueryOptions nx = make_query("nope.geo.test.", kTypeA, true);
    nx.do_bit = true;
    const Reply compact = ask(sgdns.endpoint(), nx);
    nx.co_bit = true;
    const Reply restored = ask(sgdns.endpoint(), nx);
    INFO("DO:\n" << compact.text << "\nDO+CO:\n" << restored.text);
    CHECK(compact.rcode == kRcodeNoError);
    CHECK_FALSE(compact.co_bit);
    CHECK(restored.rcode == kRcodeNxDomain);
    CHECK(restored.do_bit);
    CHECK(restored.co_bit);
    CHECK(restored.authority == compact.authority);  // SOA, NSEC with NXNAME, their RRSIGs
    CHECK(has_type(restored.authority, kTypeNSEC));
    CHECK(restored.text.find("TYPE128") != std::string::npos);
    // CO alone (no DO): a plain NXDOMAIN, nothing signed, no flag echoed.
    nx.do_bit = false;
    const Reply plain = ask(sgdns.endpoint(), nx);
    CHECK(plain.rcode == kRcodeNxDomain);
    CHECK_FALSE(plain.co_bit);
    CHECK_FALSE(has_type(plain.authority, kTypeNSEC));
    // Existing data is unchanged by CO: NODATA stays NOERROR.
    QueryOptions nodata = make_query("static.geo.test.", kTypeTXT, true);
    nodata.do_bit = nodata.co_bit = true;
    const Reply nodata_reply = ask(sgdns.endpoint(), nodata);
    CHECK(nodata_reply.rcode == kRcodeNoError);
    CHECK(nodata_reply.co_bit);

    // A real client: Debian 12's dig (9.18.49) sets CO with +coflag.
    auto dig = run_command("dig @127.0.0.1 -p " + std::to_string(sgdns.port()) +
                           " +dnssec +coflag +norecurse nope.geo.test. A");
    INFO(dig.output);
    CHECK(dig.exit_code == 0);
    CHECK(dig.output.find("status: NXDOMAIN") != std::string::npos);
    CHECK(dig.output.find("flags: do co;") != std::string::npos);
    CHECK(dig.output.find("\tNSEC\t") != std::string::npos);
  }

  SECTION("through a validating unbound") {
    UnboundSetup us;
    us.zone = kGeoZone;
    us.auth_port = sgdns.port();
    us.trust_anchor_file = key + ".key";
    std::unique_ptr<UnboundServer> unbound;
    try {
      unbound = std::make_unique<UnboundServer>(us);
    } catch (const std::exception& e) {
      FAIL("unbound did not come up: " << e.what());
    }
    INFO("unbound log:\n" << unbound->log());

    Reply dnskey = via(*unbound, "127.0.0.1", "geo.test.", kTypeDNSKEY);
    INFO(dnskey.text);
    CHECK(dnskey.ad);

    // Two client networks (unbound sends each one's /24 as ECS): different answers, both validated.
    Reply eu = via(*unbound, "127.0.1.5", "www.geo.test.", kTypeA);
    Reply ap = via(*unbound, "127.0.3.5", "www.geo.test.", kTypeA);
    INFO("Frankfurt:\n" << eu.text << "\nSingapore:\n" << ap.text);
    CHECK(eu.rcode == kRcodeNoError);
    CHECK(eu.ad);
    CHECK(ap.ad);
    CHECK(answer_rdata(eu, kTypeA) == kEdgeEu4);
    CHECK(answer_rdata(ap, kTypeA) == kEdgeAp4);
    Reply eu6 = via(*unbound, "127.0.1.5", "www.geo.test.", kTypeAAAA);
    CHECK(eu6.ad);
    CHECK(answer_rdata(eu6, kTypeAAAA) == kEdgeEu6);

    // NXDOMAIN (compact denial: NOERROR without data) and NODATA, validated.
    Reply nx = via(*unbound, "127.0.1.5", "nope.geo.test.", kTypeA);
    INFO(nx.text);
    CHECK(nx.rcode == kRcodeNoError);
    CHECK(nx.answer.empty());
    CHECK(nx.ad);
    Reply nodata = via(*unbound, "127.0.1.5", "static.geo.test.", kTypeTXT);
    INFO(nodata.text);
    CHECK(nodata.rcode == kRcodeNoError);
    CHECK(nodata.answer.empty());
    CHECK(nodata.ad);
    Reply nodata_dynamic = via(*unbound, "127.0.1.5", "www.geo.test.", kTypeMX);
    CHECK(nodata_dynamic.ad);

    // video.geo.test. AAAA from Frankfurt: edge-eu4 has no IPv6, so the CDN pool answers with a CNAME.
    Reply cname = via(*unbound, "127.0.1.5", "video.geo.test.", kTypeAAAA);
    INFO(cname.text);
    CHECK(!cname.answers_of(kTypeCNAME).empty());
    CHECK(answer_rdata(cname, kTypeAAAA) == std::set<std::string>{"2001:db8:5347:9::99"});
    CHECK(cname.ad);

    Reply wild = via(*unbound, "127.0.1.5", "anything.wild.geo.test.", kTypeA);
    INFO(wild.text);
    CHECK(answer_rdata(wild, kTypeA) == std::set<std::string>{"192.0.2.77"});
    CHECK(wild.ad);

    // The delegations' DS answers: present (signed) and absent (NSEC with NS, no DS).
    Reply ds = via(*unbound, "127.0.1.5", "secure.geo.test.", kTypeDS);
    INFO(ds.text);
    CHECK(!ds.answers_of(kTypeDS).empty());
    CHECK(ds.ad);
    Reply no_ds = via(*unbound, "127.0.1.5", "insecure.geo.test.", kTypeDS);
    INFO(no_ds.text);
    CHECK(no_ds.rcode == kRcodeNoError);
    CHECK(no_ds.answer.empty());
    CHECK(no_ds.ad);
    CHECK(unbound->process().running());
  }

  SECTION("a reply changed on the way is refused") {
    TamperProxy proxy(sgdns.port(), kTypeA);
    UnboundSetup us;
    us.zone = kGeoZone;
    us.auth_port = proxy.port();
    us.trust_anchor_file = key + ".key";
    std::unique_ptr<UnboundServer> unbound;
    try {
      unbound = std::make_unique<UnboundServer>(us);
    } catch (const std::exception& e) {
      FAIL("unbound did not come up: " << e.what());
    }
    Reply forged = via(*unbound, "127.0.1.5", "www.geo.test.", kTypeA);
    INFO("reply:\n" << forged.text << "\nunbound log:\n" << unbound->log());
    CHECK(proxy.tampered() > 0);
    CHECK(forged.rcode == kRcodeServFail);
    CHECK(answer_rdata(forged, kTypeA).empty());
    // The same unbound still validates what the proxy leaves alone.
    Reply untouched = via(*unbound, "127.0.1.5", "static.geo.test.", kTypeTXT);
    CHECK(untouched.ad);
  }
}
