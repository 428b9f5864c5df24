// SPDX-License-Identifier: MIT
// libFuzzer target for the replication parsers: the IXFR journal file, TSIG key files, the TSIG
// record of a message checked as a reply or a transfer message would be (NOTIFY replies, signed
// queries), and a primary's transfer reply as sgdns the secondary reads it (messages, records, the
// copy's text). The first byte picks the parser.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "sgdns/dns/tsig.h"
#include "sgdns/zone/error.h"
#include "sgdns/zone/journal.h"
#include "sgdns/zone/transfer_reader.h"
#include "sgdns/zone/wire_records.h"

using namespace sgdns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      try {
        auto j = zone::Journal::parse(rest, "fuzz");
        // What parse() accepted must be walkable and serve a chain.
        for (const auto& c : j->changes()) {
          std::size_t n = 0;
          zone::for_each_record(c.removed, [&](const zone::WireRecord&) { ++n; });
          zone::for_each_record(c.added, [&](const zone::WireRecord&) { ++n; });
          if (n != std::size_t{c.removed_count} + c.added_count) __builtin_trap();
        }
        if (!j->empty()) (void)j->since(j->changes().front().from);
      } catch (const zone::ZoneError&) {
      }
      break;
    case 1:
      try {
        (void)dns::parse_tsig_key_file(std::string(rest.begin(), rest.end()));
      } catch (const std::runtime_error&) {
      }
      break;
    case 3: {
      // Two-byte-length-prefixed messages, as on the TCP stream; bit 1 of the selector asks for IXFR from
      // serial 1, bit 2 for TSIG with a fixed key.
      dns::TsigKey key;
      key.name = {3, 'x', 'f', 'r', 0};
      key.name_text = "xfr.";
      key.secret = {1, 2, 3, 4};
      const bool ixfr = data[0] & 0x10;
      zone::TransferReader reader(0x1234, ixfr, 1, (data[0] & 0x20) ? &key : nullptr, {}, "fuzz");
      std::size_t at = 0;
      while (at + 2 <= rest.size() && !reader.done()) {
        const std::size_t n =
            std::min<std::size_t>((std::size_t{rest[at]} << 8) | rest[at + 1], rest.size() - at - 2);
        if (!reader.feed(rest.subspan(at + 2, n), 1'700'000'000)) break;
        at += 2 + n;
      }
      if (reader.done() && reader.result().kind == zone::TransferResult::Kind::Full) {
        try {
          (void)zone::master_text(reader.result().records);
        } catch (const std::runtime_error&) {
        }
      }
      break;
    }
    default: {
      dns::TsigRecord rec;
      if (dns::find_tsig(rest, rec) != dns::TsigFound::Found) break;
      dns::TsigKey key;
      key.name.assign(rec.key_name, rec.key_name + rec.key_name_len);
      key.secret = {1, 2, 3, 4};
      dns::TsigVerifier as_request(key, {});
      (void)as_request.verify(rest, &rec, 1'700'000'000);
      const std::uint8_t mac[32] = {};
      dns::TsigVerifier as_reply(key, mac);
      (void)as_reply.verify(rest, &rec, 1'700'000'000);
      break;
    }
  }
  return 0;
}
