// SPDX-License-Identifier: MIT
// Transfer messages into ParsedRecords, compiled zones back into records, records into master-file text.
#include "sgdns/zone/wire_records.h"

#include <cstdlib>
#include <stdexcept>

#include "record_parser.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/wire_reader.h"

namespace sgdns::zone {
namespace {

/// The RDATA layout of the types whose names a sender may compress (RFC 3597 section 4, and those it
/// says receivers must decompress anyway): 'n' a name, '2' two bytes, 's' a <character-string>; what
/// follows the layout is copied as it is. nullptr: the RDATA holds no compressible name.
const char* rdata_layout(std::uint16_t type) noexcept {
  switch (type) {
    case 2:   // NS
    case 3:   // MD
    case 4:   // MF
    case 5:   // CNAME
    case 7:   // MB
    case 8:   // MG
    case 9:   // MR
    case 12:  // PTR
      return "n";
    case 6:   // SOA: the five numbers follow
    case 14:  // MINFO
    case 17:  // RP
      return "nn";
    case 15:  // MX
    case 18:  // AFSDB
    case 21:  // RT
    case 36:  // KX
      return "2n";
    case 26:  // PX
      return "2nn";
    case 33:  // SRV
      return "222n";
    case 35:  // NAPTR
      return "22sssn";
    default:
      return nullptr;
  }
}

/// The RDATA at `rd` in wire form without compression, appended to `out`; false when malformed.
bool uncompressed_rdata(dns::WireReader rd, std::uint16_t type, std::vector<std::uint8_t>& out) {
  const char* layout = rdata_layout(type);
  for (const char* step = layout; step && *step; ++step) {
    if (*step == 'n') {
      std::uint8_t name[dns::kMaxNameLen];
      const std::size_t len = rd.name(name, true);
      if (len == 0) return false;
      out.insert(out.end(), name, name + len);
    } else {
      const std::size_t n = *step == '2' ? 2 : 1u + rd.u8();
      if (*step == 's') out.push_back(static_cast<std::uint8_t>(n - 1));
      const std::size_t take = *step == 's' ? n - 1 : n;
      const std::uint8_t* p = rd.bytes(take);
      if (!p && take > 0) return false;
      if (take) out.insert(out.end(), p, p + take);
    }
  }
  const std::size_t rest = rd.available();
  const std::uint8_t* p = rd.bytes(rest);
  if (rest) out.insert(out.end(), p, p + rest);
  return rd.ok();
}

}  // namespace

std::string read_answer_records(std::span<const std::uint8_t> message, std::vector<ParsedRecord>& out,
                                const SharedName& source) {
  dns::WireReader r(message);
  const std::uint8_t* header = r.group<dns::kHeaderSize>();
  if (!header) return "shorter than a DNS header";
  const std::uint16_t qdcount = dns::load_u16(header + 4);
  const std::uint16_t ancount = dns::load_u16(header + 6);
  std::uint8_t name[dns::kMaxNameLen];
  for (std::uint16_t i = 0; i < qdcount; ++i) {
    (void)r.name(name, true);
    r.skip(4);
  }
  if (!r.ok()) return "malformed question section";
  for (std::uint16_t i = 0; i < ancount; ++i) {
    dns::RrHeader h;
    dns::WireReader rd(message);
    const std::size_t owner_len = dns::read_rr(r, name, h, rd);
    if (owner_len == 0) return "malformed record " + std::to_string(i + 1) + " of the answer section";
    ParsedRecord rec;
    rec.owner.assign(name, name + owner_len);
    dns::name_to_lower(rec.owner.data(), rec.owner.size());
    rec.type = h.type;
    rec.rclass = h.rclass;
    rec.ttl = h.ttl;
    if (!uncompressed_rdata(rd, h.type, rec.rdata))
      return "malformed RDATA in record " + std::to_string(i + 1) + " of the answer section";
    if (rec.rdata.size() > 65535) return "RDATA longer than 65535 bytes once uncompressed";
    rec.file = source;
    rec.line = static_cast<int>(out.size() + 1);
    out.push_back(std::move(rec));
  }
  return {};
}

std::vector<ParsedRecord> zone_records(const Zone& zone) {
  std::vector<ParsedRecord> out;
  out.reserve(zone.record_count());
  auto add = [&](const std::uint8_t* owner, const RRset& set) {
    for (auto rd : zone.rdata(set)) {
      ParsedRecord rec;
      rec.owner.assign(owner, owner + dns::name_length(owner));
      rec.type = set.type;
      rec.rclass = dns::rrclass::kIN;
      rec.ttl = set.ttl;
      rec.rdata.assign(rd.data, rd.data + rd.size);
      out.push_back(std::move(rec));
    }
  };
  if (const RRset* soa = zone.find_rrset(zone.apex(), dns::rrtype::kSOA)) add(zone.origin(), *soa);
  for (const Node& n : zone.nodes())
    for (const RRset& set : zone.rrsets(n))
      if (set.type != dns::rrtype::kSOA) add(zone.name(n), set);
  return out;
}

std::string master_text(const std::vector<ParsedRecord>& records) {
  std::string text;
  std::vector<std::uint8_t> wire;
  for (const ParsedRecord& rec : records) {
    wire.assign(rec.owner.begin(), rec.owner.end());
    const std::size_t len = rec.rdata.size();
    const std::uint8_t fixed[10] = {
        static_cast<std::uint8_t>(rec.type >> 8),   static_cast<std::uint8_t>(rec.type),
        static_cast<std::uint8_t>(rec.rclass >> 8), static_cast<std::uint8_t>(rec.rclass),
        static_cast<std::uint8_t>(rec.ttl >> 24),   static_cast<std::uint8_t>(rec.ttl >> 16),
        static_cast<std::uint8_t>(rec.ttl >> 8),    static_cast<std::uint8_t>(rec.ttl),
        static_cast<std::uint8_t>(len >> 8),        static_cast<std::uint8_t>(len)};
    wire.insert(wire.end(), fixed, fixed + 10);
    wire.insert(wire.end(), rec.rdata.begin(), rec.rdata.end());
    ldns_rr* raw = nullptr;
    std::size_t pos = 0;
    if (ldns_wire2rr(&raw, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
      throw std::runtime_error("record " + std::to_string(rec.line) + ": ldns cannot read it back");
    std::unique_ptr<ldns_rr, detail::LdnsFree> rr(raw);
    char* printed = ldns_rr2str(rr.get());
    if (!printed) throw std::runtime_error("record " + std::to_string(rec.line) + ": ldns cannot print it");
    text += printed;     // ends with a newline
    std::free(printed);  // NOLINT(cppcoreguidelines-no-malloc): ldns allocates with malloc
  }
  return text;
}

}  // namespace sgdns::zone
