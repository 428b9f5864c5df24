// SPDX-License-Identifier: MIT
// Catch2-aware shortcuts shared by the integration and differential tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dns_client.h"
#include "process.h"
#include "temp_dir.h"

namespace sgdns::test {

// A query for `name`/`type` with the other options at their defaults.
QueryOptions make_query(const std::string& name, uint16_t type, bool edns = false);

// Sends `q` and REQUIREs a reply that ldns can decode.
Reply ask(const Endpoint& to, const QueryOptions& q, Transport transport = Transport::Udp,
          Millis timeout = Millis(2000));

// Every record of a zone file, as lowercased ldns presentation text (SOA included once).
std::vector<std::string> zone_file_records(const std::string& path, const std::string& origin);
// ldns presentation text of one record, lowercased, for comparing with zone_file_records().
std::string normalize_record_text(const std::string& text);

/// The lines of `text` that are not empty (a server's log, say).
std::vector<std::string> nonempty_lines(const std::string& text);

/// Polls `pred` every 10 ms until it holds or `timeout` passes: the milliseconds it took, or -1. Tests wait
/// for an observable event with it, never for a fixed time.
template <typename Pred>
long wait_ms(Pred pred, Millis timeout) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < timeout) {
    if (pred())
      return static_cast<long>(
          std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start).count());
    std::this_thread::sleep_for(Millis(10));
  }
  return -1;
}

/// The SOA serial 127.0.0.1:`port` serves for `zone` (asked with kdig, 1 s, no retry), or -1 when it does
/// not answer for it: how the replication tests watch any server (sgdns, Knot, NSD, BIND) take a change.
long soa_serial_at(uint16_t port, const std::string& zone);

// The absolute path of a file below tests/. Inline because SGDNS_TEST_DATA is defined for the test binaries
// (tests/CMakeLists.txt), not for this library.
inline std::string test_data_path(const std::string& relative) {
#ifdef SGDNS_TEST_DATA
  return std::string(SGDNS_TEST_DATA) + "/" + relative;
#else
  return "tests/" + relative;
#endif
}

// The integration tests' zone "it.test.": SOA (TTL 3600, minimum 600), NS, A/AAAA hosts, a CNAME, a wildcard,
// a delegation with glue, a 30-record TXT RRset ("big", ~3 KB) and an 8-record one ("medium", ~850 bytes).
std::string integration_zone(uint32_t serial = 1, const std::string& www_address = "192.0.2.80");

// A zone written to a scratch directory and served by a freshly started sgdns.
struct ServedZone {
  // Writes `zone_text` as <origin>zone, starts sgdns with it plus `extra_args`, and REQUIREs readiness.
  ServedZone(const std::string& origin, const std::string& zone_text,
             const std::vector<std::string>& extra_args = {});

  Endpoint endpoint() const { return Endpoint("127.0.0.1", server->port()); }
  Reply ask(const QueryOptions& q, Transport transport = Transport::Udp) const {
    return sgdns::test::ask(endpoint(), q, transport);
  }

  TempDir dir;
  std::string origin;
  std::string zone_path;
  std::unique_ptr<ServerProcess> server;
};

}  // namespace sgdns::test
