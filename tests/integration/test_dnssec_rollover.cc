// SPDX-License-Identifier: MIT
// A ZSK pre-publish rollover (RFC 6781 4.1.1.1) done the way docs/dnssec.md describes it: key files and
// SIGHUP, with a validating unbound (caches capped at a few seconds, so it re-reads the DNSKEY RRset
// during the test) answering with AD at every step; a reload signs only what the step changed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "geo_setup.h"
#include "test_helpers.h"
#include "unbound_server.h"

using namespace sgdns::test;

namespace {

constexpr uint16_t kTypeRRSIG = 46, kTypeDNSKEY = 48;
using Clock = std::chrono::steady_clock;

std::string keygen(const TempDir& dir, bool ksk, const std::string& zone = "geo.test") {
  auto r =
      run_command("cd '" + dir.path() + "' && ldns-keygen -a ECDSAP256SHA256 " + (ksk ? "-k " : "") + zone,
                  Millis(20000));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return dir.file(r.output.substr(0, r.output.find('\n')));
}

unsigned tag_of(const std::string& key) {
  return static_cast<unsigned>(std::stoul(key.substr(key.rfind('+') + 1)));
}

std::string key_json(const std::string& file, const char* role, bool signs) {
  return std::string(R"({"file": ")") + file + R"(", "role": ")" + role + R"(", "signs": )" +
         (signs ? "true" : "false") + "}";
}

QueryOptions dnssec_query(const std::string& name, uint16_t type, bool rd) {
  QueryOptions q = make_query(name, type, true);
  q.do_bit = true;
  q.rd = rd;
  return q;
}

// The key tags of the RRSIGs over the answer's `type` RRset.
std::set<unsigned> signing_tags(const Reply& r, uint16_t type) {
  std::set<unsigned> tags;
  for (const auto& set : r.answer) {
    if (set.type != kTypeRRSIG) continue;
    for (const auto& rdata : set.rdata) {
      std::istringstream fields(rdata);
      std::string covered, alg, labels, ttl, expiration, inception, tag;
      fields >> covered >> alg >> labels >> ttl >> expiration >> inception >> tag;
      if (covered == type_name(type)) tags.insert(static_cast<unsigned>(std::stoul(tag)));
    }
  }
  return tags;
}

std::size_t dnskey_count(const Reply& r) {
  auto sets = r.answers_of(kTypeDNSKEY);
  return sets.empty() ? 0 : sets[0].rdata.size();
}

// The DS record ldns-keygen wrote beside a key (digest type 2), as "tag 13 2 hex".
std::string ds_of(const std::string& key) {
  std::string text = read_file(key + ".ds");
  std::string rdata = text.substr(text.find("DS") + 2);
  rdata = rdata.substr(rdata.find_first_not_of(" \t"));
  return rdata.substr(0, rdata.find('\n'));
}

// Polls `probe` until it holds or 20 s have passed.
template <typename F>
bool eventually(F probe) {
  return wait_ms(probe, Millis(20000)) >= 0;
}

}  // namespace

TEST_CASE("a ZSK pre-publish rollover by key files and SIGHUP keeps unbound validating",
          "[integration][dnssec][rollover]") {
  TempDir keys;
  const std::string ksk = keygen(keys, true), zsk1 = keygen(keys, false), zsk2 = keygen(keys, false);
  GeoSetup setup = default_geo_setup();
  auto configure = [&](const std::vector<std::string>& entries) {
    std::string list;
    for (const auto& e : entries) list += (list.empty() ? "" : ", ") + e;
    setup.zone_dnssec_json = R"({"keys": [)" + list + "]}";
  };
  configure({key_json(ksk, "ksk", true), key_json(zsk1, "zsk", true)});
  GeoServer sgdns(setup);
  {
    bool ready = sgdns.wait_ready();
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(ready);
  }
  UnboundSetup us;
  us.zone = kGeoZone;
  us.auth_port = sgdns.port();
  us.trust_anchor_file = ksk + ".key";
  us.cache_max_ttl = 3;
  std::unique_ptr<UnboundServer> unbound;
  try {
    unbound = std::make_unique<UnboundServer>(us);
  } catch (const std::exception& e) {
    FAIL("unbound did not come up: " << e.what());
  }
  auto direct = [&](const std::string& name, uint16_t type) {
    return ask(sgdns.endpoint(), dnssec_query(name, type, false));
  };
  auto resolved = [&](const std::string& name, uint16_t type) {
    return ask(Endpoint("127.0.0.1", unbound->port(), "127.0.1.5"), dnssec_query(name, type, true),
               Transport::Udp, Millis(5000));
  };
  int fresh = 0;  // a new name per check: its NSEC is signed by whichever ZSK signs now
  auto validates = [&] {
    Reply www = resolved("www.geo.test.", kTypeA);
    Reply nx = resolved("step" + std::to_string(++fresh) + ".geo.test.", kTypeA);
    INFO("www:\n" << www.text << "\nfresh name:\n" << nx.text << "\nunbound log:\n" << unbound->log());
    CHECK(www.ad);
    CHECK(answer_rdata(www, kTypeA) == kEdgeEu4);
    CHECK(nx.ad);
    return www.ad && nx.ad;
  };
  auto reload = [&](const std::vector<std::string>& entries) {
    configure(entries);
    sgdns.write_config(setup);
    REQUIRE(sgdns.server().signal(SIGHUP));
  };
  const unsigned t1 = tag_of(zsk1), t2 = tag_of(zsk2);

  // Step 0: KSK + ZSK1.
  CHECK(signing_tags(direct("geo.test.", kTypeSOA), kTypeSOA) == std::set<unsigned>{t1});
  CHECK(validates());

  // Step 1, publish: ZSK2 in the DNSKEY RRset, not signing. Resolvers must see it before it signs.
  reload({key_json(ksk, "ksk", true), key_json(zsk1, "zsk", true), key_json(zsk2, "zsk", false)});
  CHECK(eventually([&] { return dnskey_count(direct("geo.test.", kTypeDNSKEY)) == 3; }));
  // Only the DNSKEY RRset changed: the reload signed it alone and kept every other signature.
  CHECK(eventually([&] { return sgdns.log().find("DNSSEC: 1 RRsets signed, ") != std::string::npos; }));
  CHECK(validates());
  CHECK(eventually(
      [&] { return dnskey_count(resolved("geo.test.", kTypeDNSKEY)) == 3; }));  // DNSKEY TTL passed
  CHECK(validates());

  // Step 2, roll: ZSK2 signs, ZSK1 stays published (signatures by it are still in caches).
  reload({key_json(ksk, "ksk", true), key_json(zsk1, "zsk", false), key_json(zsk2, "zsk", true)});
  CHECK(eventually(
      [&] { return signing_tags(direct("geo.test.", kTypeSOA), kTypeSOA) == std::set<unsigned>{t2}; }));
  CHECK(validates());
  CHECK(eventually(
      [&] { return signing_tags(resolved("www.geo.test.", kTypeA), kTypeA) == std::set<unsigned>{t2}; }));
  CHECK(validates());

  // Step 3, retire: ZSK1 leaves the DNSKEY RRset once nothing it signed can be cached any more.
  reload({key_json(ksk, "ksk", true), key_json(zsk2, "zsk", true)});
  CHECK(eventually([&] { return dnskey_count(direct("geo.test.", kTypeDNSKEY)) == 2; }));
  CHECK(validates());
  CHECK(eventually([&] { return dnskey_count(resolved("geo.test.", kTypeDNSKEY)) == 2; }));
  CHECK(validates());
  CHECK(unbound->process().running());
}

TEST_CASE("a CSK double-signature rollover with a DS change at the parent keeps unbound validating",
          "[integration][dnssec][rollover]") {
  // geo.test. (signed, unbound's trust anchor) is the parent of child.geo.test., whose CSK rolls; both
  // served by this sgdns, so the parent's DS records are edited in its zone file and reloaded.
  TempDir keys;
  const std::string parent_key = keygen(keys, true);
  const std::string c1 = keygen(keys, true, "child.geo.test"), c2 = keygen(keys, true, "child.geo.test");
  const std::string child_zone =
      keys.write("child.geo.test.zone",
                 "$ORIGIN child.geo.test.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                 "  IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.88\n");
  auto delegation = [](const std::string& ds_keys) {
    return "child IN NS ns1.child\nns1.child IN A 192.0.2.53\n" + ds_keys;
  };
  GeoSetup setup = default_geo_setup();
  setup.extra_zone_records = delegation("child IN DS " + ds_of(c1) + "\n");
  auto zones = [&](const std::vector<std::string>& child_keys) {
    std::string list;
    for (const auto& k : child_keys) list += (list.empty() ? "" : ", ") + key_json(k, "csk", true);
    setup.extra_json = R"({"zones": [{"origin": "geo.test.", "file": "geo.test.zone", "dnssec": {"keys": [)" +
                       key_json(parent_key, "csk", true) + R"(]}}, {"origin": "child.geo.test.", "file": ")" +
                       child_zone + R"(", "dnssec": {"keys": [)" + list + "]}}]}";
  };
  zones({c1});
  GeoServer sgdns(setup);
  {
    bool ready = sgdns.wait_ready();
    INFO("sgdns stderr:\n" << sgdns.log());
    REQUIRE(ready);
  }
  UnboundSetup us;
  us.zone = kGeoZone;
  us.auth_port = sgdns.port();
  us.trust_anchor_file = parent_key + ".key";
  us.cache_max_ttl = 3;
  std::unique_ptr<UnboundServer> unbound;
  try {
    unbound = std::make_unique<UnboundServer>(us);
  } catch (const std::exception& e) {
    FAIL("unbound did not come up: " << e.what());
  }
  auto direct = [&](const std::string& name, uint16_t type) {
    return ask(sgdns.endpoint(), dnssec_query(name, type, false));
  };
  auto resolved = [&](const std::string& name, uint16_t type) {
    return ask(Endpoint("127.0.0.1", unbound->port()), dnssec_query(name, type, true), Transport::Udp,
               Millis(5000));
  };
  int fresh = 0;
  auto validates = [&] {
    Reply www = resolved("www.child.geo.test.", kTypeA);
    Reply nx = resolved("step" + std::to_string(++fresh) + ".child.geo.test.", kTypeA);
    INFO("www:\n" << www.text << "\nfresh name:\n" << nx.text << "\nunbound log:\n" << unbound->log());
    CHECK(www.ad);
    CHECK(answer_rdata(www, kTypeA) == std::set<std::string>{"192.0.2.88"});
    CHECK(nx.ad);
    return www.ad && nx.ad;
  };
  // Each reload writes the parent zone with a new serial: its DS set is the parent's data, and sgdns
  // refuses a changed zone under an unchanged serial.
  uint32_t parent_serial = 1;
  auto reload = [&] {
    sgdns.write_config(setup);
    sgdns.dir().write("geo.test.zone", geo_zone(++parent_serial, setup.extra_zone_records));
    REQUIRE(sgdns.server().signal(SIGHUP));
  };
  auto ds_tags = [](const Reply& r) {
    std::set<unsigned> tags;
    for (const auto& set : r.answers_of(kTypeDS)) {
      for (const auto& rdata : set.rdata) tags.insert(static_cast<unsigned>(std::stoul(rdata)));
    }
    return tags;
  };
  const unsigned t1 = tag_of(c1), t2 = tag_of(c2);

  // Step 0: CSK1, the parent's DS points at it.
  CHECK(ds_tags(direct("child.geo.test.", kTypeDS)) == std::set<unsigned>{t1});
  CHECK(validates());

  // Step 1, introduce: CSK2 published and signing beside CSK1 (every RRset signed twice).
  zones({c1, c2});
  reload();
  CHECK(eventually([&] {
    return signing_tags(direct("child.geo.test.", kTypeSOA), kTypeSOA) == std::set<unsigned>{t1, t2};
  }));
  CHECK(validates());
  CHECK(eventually([&] { return dnskey_count(resolved("child.geo.test.", kTypeDNSKEY)) == 2; }));
  CHECK(validates());

  // Step 2, the parent's DS moves to CSK2 (here: the parent's zone file; in real life the registry).
  setup.extra_zone_records = delegation("child IN DS " + ds_of(c2) + "\n");
  reload();
  CHECK(eventually([&] { return ds_tags(direct("child.geo.test.", kTypeDS)) == std::set<unsigned>{t2}; }));
  CHECK(validates());
  CHECK(eventually([&] { return ds_tags(resolved("child.geo.test.", kTypeDS)) == std::set<unsigned>{t2}; }));
  CHECK(validates());

  // Step 3, retire: CSK1 leaves; CSK2 alone signs.
  zones({c2});
  reload();
  CHECK(eventually([&] { return dnskey_count(direct("child.geo.test.", kTypeDNSKEY)) == 1; }));
  CHECK(validates());
  CHECK(eventually([&] { return dnskey_count(resolved("child.geo.test.", kTypeDNSKEY)) == 1; }));
  CHECK(validates());
  CHECK(unbound->process().running());
}
