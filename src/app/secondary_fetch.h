// SPDX-License-Identifier: MIT
// One refresh of a secondary zone (app-private, run on the secondaries' fetch thread): transfer from the
// primary (IXFR from our serial, AXFR when we have none or IXFR fails), the zone compiled and checked as
// a file zone is, and the copy written next to the configured file name and renamed over it.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sgdns/dns/address.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/zone/journal.h"
#include "sgdns/zone/zone.h"

namespace sgdns::app {

struct FetchJob {
  std::string origin;  // with the trailing dot
  std::string file;    // where the copy is kept
  dns::SocketAddress primary;
  std::optional<dns::TsigKey> key;
  std::shared_ptr<const zone::Zone> current;  // the version served now, or null
  std::vector<zone::DynamicOwner> owners;     // geo records at names of this zone
  int timeout_ms = 10'000;
  const std::atomic<bool>* stop = nullptr;  // set: give up (the server is stopping)
};

struct FetchOutcome {
  enum class Kind : std::uint8_t { Ok, Current, Failed, Rejected };
  Kind kind = Kind::Failed;
  std::shared_ptr<const zone::Zone> zone;     // Ok: the new version
  std::optional<zone::JournalChange> change;  // Ok after `current`: the difference, for our own journal
  std::uint32_t serial = 0;                   // the primary's
  std::string method;                         // "IXFR", "AXFR", "IXFR, then AXFR"
  std::string error;                          // Failed, Rejected: why
  std::uint64_t records = 0, messages = 0, bytes = 0;
  double seconds = 0;
};

/// Never throws: every problem is a Failed or Rejected outcome.
[[nodiscard]] FetchOutcome fetch_zone(const FetchJob& job);

}  // namespace sgdns::app
