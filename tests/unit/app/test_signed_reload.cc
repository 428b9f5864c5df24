// SPDX-License-Identifier: MIT
// A reload of a signed zone through world::build_world signs only what changed, and the reload's log line
// says how much it signed and how much it kept.
#include <catch2/catch.hpp>

#include "app_world.h"
#include "reload_report.h"

using namespace sgdns;
using app::testing::ScratchFolder;

namespace {

const std::string kKeys = SGDNS_TEST_DATA "/data/dnssec/";

std::string zone_text(int serial, const std::string& mail) {
  return "$ORIGIN example.test.\n$TTL 3600\n@ SOA ns1 hostmaster " + std::to_string(serial) +
         " 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.10\nmail A " + mail + "\n";
}

/// A configuration serving the folder's example.test.zone signed with `keys` (JSON objects).
std::string write_signed_config(const ScratchFolder& folder, const std::string& keys) {
  folder.write("sgdns.json", R"({"zones": [{"origin": "example.test.", "file": ")" +
                                 folder.file("example.test.zone") + R"(", "dnssec": {"keys": [)" + keys +
                                 "]}}]}");
  return folder.file("sgdns.json");
}

const dnssec::SignedZone& signed_zone(const engine::World& world) {
  REQUIRE(world.signed_zones.size() == 1);
  return *world.signed_zones.front();
}

}  // namespace

TEST_CASE("a reload of a signed zone signs the changed RRset and the SOA, and says so",
          "[app][dnssec][reload]") {
  ScratchFolder folder;
  const std::string csk = R"({"file": ")" + kKeys + R"(Kexample.test.+013+63988", "role": "csk"})";
  const std::string config = write_signed_config(folder, csk);
  folder.write("example.test.zone", zone_text(1, "192.0.2.25"));
  auto v1 = world::build_world(config::load_config_file(config), 1);
  // SOA, NS, ns1 A, www A, mail A, what sgdns adds at the apex: DNSKEY, CDS, CDNSKEY; and the NSEC
  // chain (apex, mail, ns1, www).
  CHECK(signed_zone(*v1).load_stats().signed_rrsets == 8 + 4);
  CHECK(signed_zone(*v1).load_stats().kept_rrsets == 0);
  CHECK(app::describe(*v1) ==
        "example.test. serial 1 (8 records, DNSSEC: 12 RRsets signed, 0 kept their signatures)");

  // One record changed, serial bumped: that RRset and the SOA are signed, the rest kept (the NSEC chain
  // too: the names and their types are the same).
  folder.write("example.test.zone", zone_text(2, "192.0.2.26"));
  auto v2 = world::build_world(config::load_config_file(config), 2, v1.get());
  CHECK(signed_zone(*v2).load_stats().signed_rrsets == 2);
  CHECK(signed_zone(*v2).load_stats().kept_rrsets == 6 + 4);
  CHECK(app::describe(*v2) ==
        "example.test. serial 2 (8 records, DNSSEC: 2 RRsets signed, 10 kept their signatures)");

  // A start (no serving World) signs everything, as before.
  auto fresh = world::build_world(config::load_config_file(config), 3);
  CHECK(signed_zone(*fresh).load_stats().signed_rrsets == 8 + 4);

  // A ZSK published ahead of a rollover: only the DNSKEY RRset is new (it is not a KSK: no CDS/CDNSKEY).
  write_signed_config(folder, csk + R"(, {"file": ")" + kKeys +
                                  R"(Kexample.test.+015+01653", "role": "zsk", "signs": false})");
  auto v3 = world::build_world(config::load_config_file(config), 3, v2.get());
  CHECK(signed_zone(*v3).load_stats().signed_rrsets == 1);
  CHECK(signed_zone(*v3).load_stats().kept_rrsets == 7 + 4);

  // The new key signs instead: every data RRset and NSEC again; DNSKEY, CDS, CDNSKEY (the CSK's) kept.
  write_signed_config(folder, R"({"file": ")" + kKeys +
                                  R"(Kexample.test.+013+63988", "role": "ksk"}, {"file": ")" + kKeys +
                                  R"(Kexample.test.+015+01653", "role": "zsk"})");
  auto v4 = world::build_world(config::load_config_file(config), 4, v3.get());
  CHECK(signed_zone(*v4).load_stats().signed_rrsets == 5 + 4);
  CHECK(signed_zone(*v4).load_stats().kept_rrsets == 3);
}
