// SPDX-License-Identifier: MIT
// A signed zone from its zone file and key files: DNSKEY, CDS and CDNSKEY published, static data signed.
#include "signing.h"

#include "geo_fallbacks.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/zone/error.h"

namespace sgdns::world {
namespace {

namespace rrtype = dns::rrtype;
constexpr std::uint16_t kNsec3 = 50, kNsec3Param = 51, kCds = 59, kCdnskey = 60;

/// sgdns makes these itself: from the key files (DNSKEY, CDS, CDNSKEY) or per answer (RRSIG, NSEC).
bool made_by_signer(std::uint16_t type) {
  return type == rrtype::kDNSKEY || type == rrtype::kRRSIG || type == rrtype::kNSEC || type == kNsec3 ||
         type == kNsec3Param || type == kCds || type == kCdnskey;
}

}  // namespace

std::shared_ptr<const dnssec::SignedZone> load_signed_zone(const config::ZoneSource& source,
                                                           const std::vector<zone::DynamicOwner>& owners,
                                                           std::shared_ptr<dnssec::SignatureCache> cache,
                                                           std::uint32_t now,
                                                           const dnssec::SignedZone* previous) {
  zone::MasterFile file = zone::read_master_file(source.file, source.origin);
  std::uint32_t key_ttl = 3600;
  std::vector<std::uint8_t> apex;
  if (!dns::name_from_text(source.origin, apex))
    throw zone::ZoneError(source.file, 0, "bad origin " + source.origin);
  dns::name_to_lower(apex.data(), apex.size());
  for (const zone::ParsedRecord& r : file.records) {
    if (made_by_signer(r.type))
      throw zone::ZoneError(r.file.str(), r.line,
                            "DNSSEC records (DNSKEY, RRSIG, NSEC, NSEC3, CDS, CDNSKEY) do not belong in a "
                            "zone sgdns signs: it publishes its keys and signs answers itself");
    if (r.type == rrtype::kSOA) key_ttl = r.ttl;  // the keys live as long in caches as the SOA does
  }
  warn_geo_names_without_fallback(source, file, owners);
  std::vector<dnssec::ZoneKey> keys;
  for (const config::ZoneKeySource& k : source.keys) {
    keys.push_back({dnssec::read_key_files(k.file), k.role, k.signs});
  }
  const std::string file_name = source.file;
  auto add = [&](std::uint16_t type, std::vector<std::uint8_t> rdata) {
    zone::ParsedRecord r;
    r.owner = apex;
    r.type = type;
    r.rclass = dns::rrclass::kIN;
    r.ttl = key_ttl;
    r.rdata = std::move(rdata);
    r.file = zone::SharedName(std::make_shared<const std::string>(file_name + " (DNSSEC keys)"));
    file.records.push_back(std::move(r));
  };
  for (const dnssec::ZoneKey& k : keys) {
    add(rrtype::kDNSKEY, k.key.dnskey_rdata);
    // RFC 7344: CDS/CDNSKEY tell the parent which key-signing keys to point its DS at.
    if (k.signs && k.role != dnssec::KeyRole::Zsk) {
      add(kCds, dnssec::ds_rdata(k.key));
      add(kCdnskey, k.key.dnskey_rdata);
    }
  }
  auto zone = zone::Zone::build(source.origin, std::move(file), owners);
  return std::make_shared<const dnssec::SignedZone>(std::move(zone), std::move(keys), dnssec::Validity{},
                                                    std::move(cache), now, previous);
}

}  // namespace sgdns::world
