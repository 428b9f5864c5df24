// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes as a MaxMind DB, walked and looked up with the common layouts' paths and
// with configured ones. GeoError is expected for a broken file; crashes, leaks and hangs are not.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "sgdns/dns/address.h"
#include "sgdns/geo/mmdb.h"

namespace {

/// libmaxminddb opens files by path: one scratch file per fuzzing process.
std::string scratch_path() {
  return "/tmp/sgdns-fuzz-geoip-" + std::to_string(::getpid()) + ".mmdb";
}

sgdns::geo::FieldPaths custom_fields() {
  sgdns::geo::FieldPaths fields;
  fields.paths[static_cast<std::size_t>(sgdns::geo::Field::Country)] = {sgdns::geo::parse_key_path("geo/cc")};
  fields.paths[static_cast<std::size_t>(sgdns::geo::Field::Latitude)] = {
      sgdns::geo::parse_key_path("geo/pos/0")};
  fields.paths[static_cast<std::size_t>(sgdns::geo::Field::Longitude)] = {
      sgdns::geo::parse_key_path("geo/pos/1")};
  fields.paths[static_cast<std::size_t>(sgdns::geo::Field::Asn)] = {sgdns::geo::parse_key_path("net/as")};
  return fields;
}

}  // namespace

/// libmaxminddb 1.7.1 (Debian 12) loses the metadata's entry-data-list pool (about 4.6 KB) when MMDB_open
/// fails on metadata with bad data: Debian's own mmdblookup leaks the same under valgrind
/// (tests/fuzz/corpus/geoip/corrupt-metadata.mmdb). MMDB_open is the library's, called once per load, so
/// the leak is reported there; leaks in sgdns's own code are still reported.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libmaxminddb.so\n";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = scratch_path();
  static const sgdns::geo::FieldPaths fields = custom_fields();
  static const sockaddr_storage v4 = sgdns::dns::parse_ip_address("192.0.2.200");
  static const sockaddr_storage v6 = sgdns::dns::parse_ip_address("2001:db8:1::9");
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return 0;
  std::fwrite(data, 1, size, out);
  std::fclose(out);
  for (const sgdns::geo::DatabaseSpec& spec :
       {sgdns::geo::DatabaseSpec{path, std::nullopt}, sgdns::geo::DatabaseSpec{path, fields}}) {
    try {
      std::uint64_t networks = 0;
      (void)sgdns::geo::walk_database(
          spec, [&](const sgdns::geo::Network&, const sgdns::geo::Location&) { ++networks; });
      (void)sgdns::geo::lookup_database(spec, reinterpret_cast<const sockaddr*>(&v4));
      (void)sgdns::geo::lookup_database(spec, reinterpret_cast<const sockaddr*>(&v6));
    } catch (const sgdns::geo::GeoError&) {
    }
  }
  return 0;
}
