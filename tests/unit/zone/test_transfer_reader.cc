// SPDX-License-Identifier: MIT
// Transfer replies as a secondary reads them: AXFR, IXFR difference sequences, "up to date", names in
// RDATA uncompressed, malformed streams refused; and the copy's master-file text read back unchanged.
#include <catch2/catch.hpp>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/writer.h"
#include "sgdns/zone/transfer_reader.h"
#include "sgdns/zone/wire_records.h"

using namespace sgdns;
using Bytes = std::vector<std::uint8_t>;

namespace {

const Bytes kOrigin = dns::name_from_text("t.test.");

Bytes soa(std::uint32_t serial) {
  Bytes r = dns::name_from_text("ns1.t.test.");
  const Bytes rname = dns::name_from_text("hostmaster.t.test.");
  r.insert(r.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {serial, 3600u, 600u, 86400u, 300u})
    for (int s = 24; s >= 0; s -= 8) r.push_back(static_cast<std::uint8_t>(v >> s));
  return r;
}

struct Rr {
  std::string owner;
  std::uint16_t type;
  Bytes rdata;
};

Rr soa_rr(std::uint32_t serial) {
  return {"t.test.", dns::rrtype::kSOA, soa(serial)};
}
Rr a_rr(const std::string& owner, std::uint8_t last) {
  return {owner, dns::rrtype::kA, {192, 0, 2, last}};
}
Rr mx_rr() {
  Bytes rd = {0, 10};
  const Bytes exchange = dns::name_from_text("ns1.t.test.");
  rd.insert(rd.end(), exchange.begin(), exchange.end());
  return {"t.test.", dns::rrtype::kMX, rd};
}

/// One reply message with `rrs` in the answer section (names in SOA and MX RDATA compressed).
Bytes message(std::uint16_t id, const std::vector<Rr>& rrs, std::uint16_t rcode = 0) {
  Bytes buf(65535);
  dns::Writer w(buf.data(), buf.size());
  w.begin(id, static_cast<std::uint16_t>(dns::flag::kQR | dns::flag::kAA | rcode));
  REQUIRE(w.put_question(kOrigin.data(), dns::rrtype::kAXFR, dns::rrclass::kIN));
  w.begin_section(dns::Section::Answer);
  for (const Rr& r : rrs) {
    const Bytes owner = dns::name_from_text(r.owner);
    REQUIRE(w.put_rr(owner.data(), r.type, dns::rrclass::kIN, 300, r.rdata.data(),
                     static_cast<std::uint16_t>(r.rdata.size())));
  }
  buf.resize(w.finish());
  return buf;
}

}  // namespace

TEST_CASE("an AXFR reply over two messages is the whole zone, names in RDATA uncompressed",
          "[zone][transfer]") {
  zone::TransferReader reader(7, false, 0, nullptr, {}, "AXFR from test");
  REQUIRE(reader.feed(message(7, {soa_rr(5), mx_rr()}), 0));
  CHECK_FALSE(reader.done());
  REQUIRE(reader.feed(message(7, {a_rr("ns1.t.test.", 1), soa_rr(5)}), 0));
  REQUIRE(reader.done());
  const zone::TransferResult& r = reader.result();
  CHECK(r.kind == zone::TransferResult::Kind::Full);
  CHECK(r.serial == 5);
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[0].rdata == soa(5));
  CHECK(r.records[1].rdata == mx_rr().rdata);  // the writer compressed it; the reader undid that
  CHECK(r.records[2].line == 3);
  CHECK(r.records[2].file == "AXFR from test");
}

TEST_CASE("an IXFR reply is sorted into difference sequences; a lone SOA means up to date",
          "[zone][transfer]") {
  zone::TransferReader reader(9, true, 1, nullptr, {}, "IXFR");
  REQUIRE(reader.feed(
      message(9, {soa_rr(3), soa_rr(1), a_rr("www.t.test.", 80), soa_rr(2), a_rr("www.t.test.", 81),
                  soa_rr(2), soa_rr(3), a_rr("new.t.test.", 9), soa_rr(3)}),
      0));
  REQUIRE(reader.done());
  const zone::TransferResult& r = reader.result();
  CHECK(r.kind == zone::TransferResult::Kind::Incremental);
  REQUIRE(r.steps.size() == 2);
  CHECK(r.steps[0].removed.size() == 2);
  CHECK(r.steps[0].added.size() == 2);
  CHECK(r.steps[1].removed.size() == 1);
  CHECK(r.steps[1].added.size() == 2);
  CHECK(r.steps[1].added[1].owner == dns::name_from_text("new.t.test."));

  zone::TransferReader current(9, true, 3, nullptr, {}, "IXFR");
  REQUIRE(current.feed(message(9, {soa_rr(3)}), 0));
  CHECK(current.done());
  CHECK(current.result().kind == zone::TransferResult::Kind::UpToDate);

  // The IXFR answered in AXFR form (the primary's journal does not reach back): a full zone.
  zone::TransferReader axfr_form(9, true, 1, nullptr, {}, "IXFR");
  REQUIRE(axfr_form.feed(message(9, {soa_rr(3), a_rr("ns1.t.test.", 1), soa_rr(3)}), 0));
  CHECK(axfr_form.result().kind == zone::TransferResult::Kind::Full);
}

TEST_CASE("transfer replies that are not ours or not well formed fail with a reason", "[zone][transfer]") {
  auto fails = [](std::uint16_t id, bool ixfr, const Bytes& m) {
    zone::TransferReader reader(id, ixfr, 1, nullptr, {}, "x");
    const bool ok = reader.feed(m, 0);
    return ok ? std::string() : reader.result().error;
  };
  CHECK(fails(1, false, message(2, {soa_rr(3)})).find("does not answer our request") != std::string::npos);
  CHECK(fails(1, false, message(1, {a_rr("t.test.", 1)})).find("not the zone's SOA") != std::string::npos);
  CHECK(fails(1, false, message(1, {soa_rr(3), soa_rr(4)})).find("closing SOA") != std::string::npos);
  CHECK(fails(1, false, message(1, {soa_rr(3), soa_rr(3), a_rr("t.test.", 1)})).find("after the closing") !=
        std::string::npos);
  CHECK(fails(1, false, message(1, {}, dns::rcode::kRefused)).find("REFUSED") != std::string::npos);
  zone::TransferReader notimp(1, true, 1, nullptr, {}, "x");
  CHECK_FALSE(notimp.feed(message(1, {}, dns::rcode::kNotImp), 0));
  CHECK(notimp.result().try_axfr);
  Bytes cut = message(1, {soa_rr(3), mx_rr()});
  cut.resize(cut.size() - 3);
  CHECK(fails(1, false, cut).find("malformed") != std::string::npos);
}

TEST_CASE("a secondary's copy: records as master-file text read back to the same records",
          "[zone][transfer]") {
  zone::TransferReader reader(7, false, 0, nullptr, {}, "AXFR");
  Rr txt{"t.test.", dns::rrtype::kTXT, {5, 'h', 'e', 'l', 'l', 'o'}};
  Rr unknown{"x.t.test.", 65280, {0xab, 0xcd}};
  REQUIRE(reader.feed(message(7, {soa_rr(5), mx_rr(), txt, unknown, a_rr("ns1.t.test.", 1), soa_rr(5)}), 0));
  const std::vector<zone::ParsedRecord>& records = reader.result().records;
  const std::string text = zone::master_text(records);
  const zone::MasterFile back = zone::read_master_text(text, "copy", "t.test.");
  REQUIRE(back.records.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK(back.records[i].owner == records[i].owner);
    CHECK(back.records[i].type == records[i].type);
    CHECK(back.records[i].ttl == records[i].ttl);
    CHECK(back.records[i].rdata == records[i].rdata);
  }
}

TEST_CASE("a signed transfer verifies message by message; another key or an unsigned end fails",
          "[zone][transfer]") {
  dns::TsigKey key;
  key.name = dns::name_from_text("xfr.");
  key.name_text = "xfr.";
  key.secret.assign(32, 7);
  dns::TsigKey other = key;
  other.secret.assign(32, 8);
  const std::uint8_t request_mac[32] = {1};
  auto signed_messages = [&](const dns::TsigKey& k, bool sign_last) {
    dns::TsigSigner signer(k, request_mac);
    std::vector<Bytes> out;
    for (const auto& rrs :
         {std::vector<Rr>{soa_rr(5), mx_rr()}, std::vector<Rr>{a_rr("ns1.t.test.", 1), soa_rr(5)}}) {
      Bytes m = message(3, rrs);
      const std::size_t len = m.size();
      m.resize(len + 256);
      m.resize(out.empty() || sign_last ? signer.sign(m.data(), len, m.size(), 1000) : len);
      out.push_back(m);
    }
    return out;
  };
  auto run = [&](const std::vector<Bytes>& messages) {
    zone::TransferReader reader(3, false, 0, &key, request_mac, "AXFR");
    for (const Bytes& m : messages)
      if (!reader.feed(m, 1000)) return reader.result().error;
    return reader.done() ? std::string() : std::string("not done");
  };
  CHECK(run(signed_messages(key, true)).empty());
  CHECK(run(signed_messages(other, true)).find("TSIG verification failed") != std::string::npos);
  CHECK(run(signed_messages(key, false)).find("not signed") != std::string::npos);
}
