// SPDX-License-Identifier: MIT
// TSIG-signed queries through engine::answer_signed: a UDP reply keeps room for its TSIG record.
#include <catch2/catch.hpp>

#include "engine_fixture.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/dns/types.h"

using namespace sgdns;

namespace {

constexpr std::uint64_t kNow = 1'700'000'000;

dns::TsigKey test_key() {
  dns::TsigKey k;
  k.name = dns::name_from_text("xfr.");
  k.name_text = "xfr.";
  k.algorithm = dns::TsigAlgorithm::HmacSha256;
  k.secret.assign(32, 0x5a);
  return k;
}

/// `count` A records at many.example.test.: 29 fill a 512-byte reply to within 13 bytes.
engine::World world_with_many(int count) {
  std::string text =
      "$ORIGIN example.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 900\n@ NS ns1\n"
      "ns1 A 192.0.2.53\n";
  for (int i = 0; i < count; ++i) text += "many A 192.0.2." + std::to_string(i + 1) + "\n";
  engine::World w;
  w.zones.add(test::zone_from_text("example.test.", text));
  w.keys["xfr."] = test_key();
  return w;
}

struct Signed {
  std::size_t size = 0;
  bool tc = false;
  std::size_t answers = 0;
  bool verifies = false;
};

/// Asks many.example.test. A over UDP without EDNS (512-byte replies), signed with the test key.
Signed ask_signed(const engine::World& world) {
  std::vector<std::uint8_t> query = test::make_query("many.example.test.", dns::rrtype::kA, false);
  const std::size_t len = query.size();
  query.resize(len + 256);
  const dns::TsigKey key = test_key();
  dns::TsigSigner signer(key, {});
  query.resize(signer.sign(query.data(), len, query.size(), kNow));
  REQUIRE(!query.empty());
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(65535);
  engine::Client client{test::loopback_peer(), engine::Transport::Udp};
  (void)engine::answer(world, query, client, scratch, out);  // as the UDP loop does: parse, then sign
  const engine::Reply r = engine::answer_signed(world, query, client, scratch, out, kNow);
  Signed s;
  s.size = r.size;
  s.tc = (out[2] & 0x02) != 0;
  s.answers = static_cast<std::size_t>((out[6] << 8) | out[7]);
  dns::TsigRecord rec;
  const std::span<const std::uint8_t> reply(out.data(), r.size);
  if (dns::find_tsig(reply, rec) == dns::TsigFound::Found) {
    dns::TsigVerifier verifier(key, signer.mac());
    s.verifies = verifier.verify(reply, &rec, kNow) == dns::tsig_error::kNone;
  }
  return s;
}

}  // namespace

TEST_CASE("a signed UDP reply truncates so that its TSIG record still fits in 512 bytes", "[engine][tsig]") {
  // Unsigned, 29 A records fit in 512 bytes; with the TSIG record (80 bytes here) they do not.
  const Signed full = ask_signed(world_with_many(29));
  CHECK(full.size <= 512);
  CHECK(full.verifies);
  CHECK(full.tc);
  CHECK(full.answers == 0);
  // A reply that fits with its signature is not truncated.
  const Signed small = ask_signed(world_with_many(20));
  CHECK(small.size <= 512);
  CHECK(small.verifies);
  CHECK_FALSE(small.tc);
  CHECK(small.answers == 20);
}
