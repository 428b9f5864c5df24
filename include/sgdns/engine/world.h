// SPDX-License-Identifier: MIT
// World: everything a query reads, built at load and published as one immutable snapshot.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <optional>
#include <unordered_map>

#include "sgdns/dns/address.h"
#include "sgdns/dns/cookie.h"
#include "sgdns/dns/prefix.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/dnssec/signed_zone.h"
#include "sgdns/health/table.h"
#include "sgdns/policy/policy.h"
#include "sgdns/rrl/settings.h"
#include "sgdns/zone/journal.h"
#include "sgdns/zone/zone_set.h"

namespace sgdns::engine {

using Prefix = dns::Prefix;

/// DNS Cookies (RFC 7873, RFC 9018 server cookies). The secret is shared by every server of the fleet (a
/// file), so a client's cookie is good at any of them.
struct CookieOptions {
  bool enabled = true;
  dns::CookieSecret secret;   // makes every new server cookie; accepted
  bool has_previous = false;  // while a new secret rolls out, the one before is still accepted
  dns::CookieSecret previous;
};

struct Options {
  std::string nsid;  // RFC 5001 identifier; empty = do not answer NSID
  std::uint16_t edns_max_payload = 1232;
  bool chaos_enabled = true;            // answer CH TXT version.bind / id.server, else REFUSED
  std::string chaos_version = "sgdns";  // version.bind / version.server
  std::string chaos_identity;           // id.server / hostname.bind; empty = the NSID, else REFUSED
  /// Who may AXFR, and only they: loopback by default (config), a configured list replaces it.
  std::vector<Prefix> axfr_allow;
  CookieOptions cookies;
  rrl::Settings rrl;  // applied by the UDP transport around answer(), never inside it
};

/// One entry of a zone's transfer ACL: a client may transfer when its address is in `prefix` (if set) and
/// its request is signed with `key` (if named). Both set: both needed.
struct TransferRule {
  std::optional<Prefix> prefix;
  std::string key;  // the key's name, lowercase with the trailing dot; empty: no signature needed
};

/// A server to send NOTIFY to, or to transfer from, and the key to sign with (empty: unsigned).
struct Peer {
  dns::SocketAddress address;
  std::string key;
};

/// Replication settings of one zone (docs/configuration.md, "zones").
struct ZoneReplication {
  bool transfer_set = false;  // else Options::axfr_allow decides, by address alone
  std::vector<TransferRule> transfer;
  std::vector<Peer> notify;     // told on every serial change
  std::optional<Peer> primary;  // set: a secondary zone, fetched from there
};

struct World {
  std::uint64_t generation = 0;
  zone::ZoneSet zones;
  Options options;
  /// Dynamic records and their compiled geo maps; null when none are configured.
  std::shared_ptr<const policy::Policy> policy;
  /// Member health, indexed by the policy's health ids; shared with the prober, never null with a policy.
  std::shared_ptr<health::HealthTable> health;
  /// Signed zones (DNSSEC keys configured), with the signatures of their static data; empty when none.
  std::vector<std::shared_ptr<const dnssec::SignedZone>> signed_zones;
  /// Signatures made on the query path, shared by every worker; null when no zone is signed.
  std::shared_ptr<dnssec::SignatureCache> signatures;
  /// The SignedZone of `zone`, or null when it is served unsigned.
  [[nodiscard]] const dnssec::SignedZone* signed_zone(const zone::Zone* zone) const noexcept {
    for (const auto& z : signed_zones) {
      if (&z->zone() == zone) return z.get();
    }
    return nullptr;
  }
  /// The configuration file this World was built from and the SHA-256 of its bytes (empty without one):
  /// what /v1/status reports is what is served, whatever was written to the file since.
  std::string config_file;
  std::string config_sha256;
  /// TSIG keys by name (lowercase text with the trailing dot).
  std::unordered_map<std::string, dns::TsigKey> keys;
  /// Per served zone: its replication settings (zones without any have none here) and its IXFR journal.
  std::unordered_map<const zone::Zone*, ZoneReplication> replication;
  std::unordered_map<const zone::Zone*, std::shared_ptr<const zone::Journal>> journals;
  /// Secondary zones past their SOA expire without reaching the primary: answered SERVFAIL.
  std::vector<const zone::Zone*> expired;

  /// The key named by the lowercase wire name `lname`, or null.
  [[nodiscard]] const dns::TsigKey* find_key(const std::uint8_t* lname) const;
  [[nodiscard]] const ZoneReplication* replication_of(const zone::Zone* z) const {
    auto it = replication.find(z);
    return it == replication.end() ? nullptr : &it->second;
  }
};

}  // namespace sgdns::engine
