// SPDX-License-Identifier: MIT
// Geo test beds: a JSON configuration shaped like the repository's sgdns.json over the demo GeoIP databases,
// a zone "geo.test." for it, an sgdns serving both from a scratch directory, and EDNS Client Subnet helpers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dns_client.h"
#include "process.h"
#include "temp_dir.h"

namespace sgdns::test {

inline constexpr const char* kGeoZone = "geo.test.";
inline constexpr uint16_t kOptionEcs = 8;

// The absolute path of a file below the repository root. Inline because SGDNS_SOURCE_DIR is defined for the
// test binaries (tests/CMakeLists.txt), not for the support library.
inline std::string source_path(const std::string& relative) {
#ifdef SGDNS_SOURCE_DIR
  return std::string(SGDNS_SOURCE_DIR) + "/" + relative;
#else
  return relative;
#endif
}

// What the generated configuration says. Regions, pools and records follow sgdns.json (renamed into
// geo.test.), plus:
//   video.geo.test.  geo over [edge-eu4 (IPv4 only), cdn]: AAAA falls through to the CDN CNAME;
//   ingest.geo.test. nearest over the four edge pools;
//   static.geo.test. an ordinary zone record (A 192.0.2.90), not dynamic.
struct GeoSetup {
  std::string city_db;  // absolute paths of the demo databases
  std::string asn_db;
  std::string ecs_trust = "\"all\"";  // a JSON value: "all" or an array of prefixes
  std::vector<std::string> edge_eu{"192.0.2.201", "192.0.2.202", "2001:db8:5347:1::201"};
  // The pools of www.geo.test., in order (a pool name that does not exist makes the configuration broken).
  std::vector<std::string> www_pools{"edge-eu", "edge-us", "edge-usw", "edge-ap", "cdn"};
  int media_us_weight = 80;
  int media_cdn_weight = 20;
  // More top-level keys, as the text of a JSON object merged over the rest (e.g. a "dnstap" section).
  std::string extra_json;
  // The zone's "dnssec" object as JSON text (keys to sign with); empty: the zone is served unsigned.
  std::string zone_dnssec_json;
  // More keys of the zone's entry, as the text of a JSON object (e.g. {"notify": [...]}).
  std::string zone_extra_json;
  // The CNAME target of the "cdn" pool; set it inside geo.test. for a chain a validator can follow.
  std::string cdn_target = "geo-test.cdn.example.net.";
  // More records for the zone file (master-file lines, origin geo.test.).
  std::string extra_zone_records;
};

inline constexpr const char* kCdnTarget = "geo-test.cdn.example.net.";

// The configuration for `setup`; the zone file is "geo.test.zone" next to it.
std::string geo_config(const GeoSetup& setup);
// The zone geo.test. with `serial`: SOA, NS, ns1, static www A/AAAA (fallback), static A 192.0.2.90.
std::string geo_zone(uint32_t serial = 1, const std::string& extra_records = "");

// An ECS option (RFC 7871) for "ADDRESS/LENGTH", host bits cleared, address truncated to whole octets.
EdnsOption ecs_option(const std::string& cidr);

struct EcsEcho {
  uint16_t family = 0;
  unsigned source = 0;
  unsigned scope = 0;
  Bytes address;
};
// The ECS option of a reply, or nullopt when it has none.
std::optional<EcsEcho> ecs_echo(const Reply& reply);

// sgdns with a geo configuration in a scratch directory, on a fresh loopback port.
class GeoServer {
 public:
  explicit GeoServer(const GeoSetup& setup);

  // Starts sgdns (`--config FILE`) with the files as they are now; does not wait.
  void start();
  // The SOA of geo.test. answers.
  bool wait_ready(Millis timeout = Millis(10000)) {
    return server_->wait_ready(kGeoZone, "127.0.0.1", timeout);
  }

  void write_config(const GeoSetup& setup) const;
  Endpoint endpoint(const std::string& bind = "") const {
    return Endpoint("127.0.0.1", server_->port(), bind);
  }
  uint16_t port() const { return server_->port(); }
  ServerProcess& server() { return *server_; }
  std::string log() const { return server_ ? server_->stderr_text() : ""; }
  const std::string& config_path() const { return config_path_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string config_path_;
  std::unique_ptr<ServerProcess> server_;
};

// The setup with the demo databases of this checkout.
inline GeoSetup default_geo_setup() {
  GeoSetup s;
  s.city_db = source_path("geoip/sgdns-demo-city.mmdb");
  s.asn_db = source_path("geoip/sgdns-demo-asn.mmdb");
  return s;
}

// Pool members of the generated configuration, by family.
inline const std::set<std::string> kEdgeEu4{"192.0.2.201", "192.0.2.202"};
inline const std::set<std::string> kEdgeUs4{"198.51.100.201", "198.51.100.202"};
inline const std::set<std::string> kEdgeUsw4{"198.51.100.211"};
inline const std::set<std::string> kEdgeAp4{"203.0.113.201", "203.0.113.202"};
inline const std::set<std::string> kEdgeEu6{"2001:db8:5347:1::201"};
inline const std::set<std::string> kEdgeUs6{"2001:db8:5347:2::201"};
inline const std::set<std::string> kEdgeUsw6{"2001:db8:5347:2::211"};
inline const std::set<std::string> kEdgeAp6{"2001:db8:5347:3::201"};

// Every rdata of the answer RRsets of `type` (e.g. the A addresses).
std::set<std::string> answer_rdata(const Reply& reply, uint16_t type);

}  // namespace sgdns::test
