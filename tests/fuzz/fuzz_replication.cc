// SPDX-License-Identifier: MIT
// libFuzzer target for the replication parsers: the IXFR journal file, TSIG key files, and the TSIG
// record of a message checked as a reply or a transfer message would be (NOTIFY replies, signed
// queries). The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "sgdns/dns/tsig.h"
#include "sgdns/zone/error.h"
#include "sgdns/zone/journal.h"

using namespace sgdns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
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
