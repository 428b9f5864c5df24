// SPDX-License-Identifier: MIT
// Signatures checked by ldns (an independent implementation): RRsets in any order and letter case, both
// algorithms; NSEC type bitmaps.
// <stdbool.h> must come before ldns, or ldns defines a bool macro that breaks the C++ headers (clang).
#include <stdbool.h>

#include <ldns/ldns.h>

#include <catch2/catch.hpp>

#include "key_files.h"
#include "sgdns/dns/name.h"
#include "sgdns/dnssec/rrsig.h"

using namespace sgdns;

namespace {

using test::slurp;
const std::string& kDir = test::kKeyDir;

/// The RRSIG RR for `sig` as ldns reads it from wire form.
ldns_rr* rrsig_rr(const std::vector<std::uint8_t>& owner, std::uint32_t ttl,
                  const std::vector<std::uint8_t>& signer, const dnssec::Signature& sig) {
  std::vector<std::uint8_t> wire = owner;
  std::vector<std::uint8_t> rdata(sig.bytes, sig.bytes + dnssec::Signature::kFixedSize);
  rdata.insert(rdata.end(), signer.begin(), signer.end());
  rdata.insert(rdata.end(), sig.bytes + dnssec::Signature::kFixedSize, sig.bytes + sizeof sig.bytes);
  for (std::uint8_t b : {0, 46, 0, 1}) wire.push_back(b);
  for (int shift = 24; shift >= 0; shift -= 8) wire.push_back(static_cast<std::uint8_t>(ttl >> shift));
  wire.push_back(static_cast<std::uint8_t>(rdata.size() >> 8));
  wire.push_back(static_cast<std::uint8_t>(rdata.size()));
  wire.insert(wire.end(), rdata.begin(), rdata.end());
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  REQUIRE(ldns_wire2rr(&rr, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK);
  return rr;
}

/// Signs the RRset written as presentation lines with the key, and has ldns verify it.
bool ldns_accepts(const std::string& key_base, const std::vector<std::string>& records) {
  dnssec::KeyPair key = dnssec::read_key_files(kDir + key_base);
  dnssec::Signer signer(key);
  ldns_rr_list* rrset = ldns_rr_list_new();
  std::vector<std::vector<std::uint8_t>> rdata_store;
  std::vector<dnssec::RdataRef> rdata;
  std::vector<std::uint8_t> owner;
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  for (const auto& text : records) {
    ldns_rr* rr = nullptr;
    REQUIRE(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
    ldns_rr_list_push_rr(rrset, rr);
    ldns_buffer* buf = ldns_buffer_new(512);
    REQUIRE(ldns_rr_rdata2buffer_wire(buf, rr) == LDNS_STATUS_OK);
    rdata_store.emplace_back(ldns_buffer_begin(buf), ldns_buffer_begin(buf) + ldns_buffer_position(buf));
    ldns_buffer_free(buf);
    char* owner_text = ldns_rdf2str(ldns_rr_owner(rr));
    REQUIRE(dns::name_from_text(owner_text, owner));
    free(owner_text);
    type = ldns_rr_get_type(rr);
    ttl = ldns_rr_ttl(rr);
  }
  for (const auto& r : rdata_store) rdata.push_back({r.data(), static_cast<std::uint16_t>(r.size())});
  dnssec::SigningInput in{owner.data(), key.owner.data(), type, ttl, 1'700'000'000u, 2'000'000'000u};
  dnssec::Signature sig;
  REQUIRE(dnssec::sign_rrset(signer, key.tag, in, rdata, sig));
  ldns_rr* rrsig = rrsig_rr(owner, ttl, key.owner, sig);
  ldns_rr* dnskey = nullptr;
  const std::string key_text = slurp(kDir + key_base + ".key");
  REQUIRE(ldns_rr_new_frm_str(&dnskey, key_text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
  ldns_rr_list* keys = ldns_rr_list_new();
  ldns_rr_list_push_rr(keys, dnskey);
  ldns_rr_list* good = ldns_rr_list_new();
  ldns_status status = ldns_verify_rrsig_keylist_time(rrset, rrsig, keys, 1'800'000'000, good);
  INFO(ldns_get_errorstr_by_id(status));
  ldns_rr_list_free(good);
  ldns_rr_list_deep_free(keys);
  ldns_rr_free(rrsig);
  ldns_rr_list_deep_free(rrset);
  return status == LDNS_STATUS_OK;
}

}  // namespace

TEST_CASE("ldns verifies sgdns's signatures, whatever the order and case of the RRset", "[dnssec][signing]") {
  const std::vector<std::string> a = {"www.example.test. 300 IN A 192.0.2.2",
                                      "www.example.test. 300 IN A 192.0.2.1"};
  CHECK(ldns_accepts("Kexample.test.+013+63988", a));
  CHECK(ldns_accepts("Kexample.test.+015+01653", a));
  // Names in RDATA are signed lowercased (RFC 4034 6.2), the owner too.
  CHECK(ldns_accepts("Kexample.test.+013+63988", {"WWW.Example.Test. 60 IN MX 20 Mail2.Example.NET.",
                                                  "www.example.test. 60 IN MX 10 MAIL"
                                                  ".example.test."}));
  CHECK(ldns_accepts("Kexample.test.+013+63988", {"alias.example.test. 300 IN CNAME Target.Example.Test."}));
  CHECK(ldns_accepts(
      "Kexample.test.+013+63988",
      {"example.test. 3600 IN SOA NS1.example.test. Hostmaster.example.test. 1 7200 3600 1209600 300"}));
  // A wildcard owner: its "*" label is not counted (RFC 4034 3.1.3).
  CHECK(ldns_accepts("Kexample.test.+013+63988", {"*.wild.example.test. 300 IN TXT \"wildcard\""}));
}

TEST_CASE("NSEC type bitmaps follow RFC 4034 4.1.2", "[dnssec][signing]") {
  std::uint8_t out[256];
  const std::uint16_t types[] = {47, 1, 46, 128, 257, 1};  // NSEC, A, RRSIG, NXNAME, CAA, A again
  const std::size_t len = dnssec::type_bitmap(types, out);
  // Window 0, 17 bytes: A (byte 0, 0x40), RRSIG and NSEC (byte 5, 0x02 | 0x01), NXNAME (byte 16, 0x80);
  // window 1, 1 byte: CAA (257: byte 0, 0x40).
  std::vector<std::uint8_t> expected = {0, 17};
  std::vector<std::uint8_t> window0(17, 0);
  window0[0] = 0x40;
  window0[5] = 0x03;
  window0[16] = 0x80;
  expected.insert(expected.end(), window0.begin(), window0.end());
  expected.insert(expected.end(), {1, 1, 0x40});
  CHECK(std::vector<std::uint8_t>(out, out + len) == expected);
}
