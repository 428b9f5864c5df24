// SPDX-License-Identifier: MIT
// Counter buckets and the cross-worker sums (scrape side only).
#include "sgdns/metrics/counters.h"

#include <algorithm>

#include "sgdns/dns/types.h"

namespace sgdns::metrics {
namespace {
namespace rrtype = dns::rrtype;
constexpr std::uint16_t kQtypeOrder[kQtypes - 1] = {
    rrtype::kA,   rrtype::kAAAA, rrtype::kCNAME, rrtype::kMX,  rrtype::kNS,   rrtype::kSOA, rrtype::kTXT,
    rrtype::kSRV, rrtype::kPTR,  rrtype::kCAA,   rrtype::kANY, rrtype::kAXFR, rrtype::kIXFR};
constexpr const char* kQtypeLabels[kQtypes] = {"A",   "AAAA", "CNAME", "MX",  "NS",   "SOA",  "TXT",
                                               "SRV", "PTR",  "CAA",   "ANY", "AXFR", "IXFR", "other"};
constexpr const char* kTcpCloseLabels[kTcpCloseCauses] = {"peer_closed",  "error",         "bad_frame",
                                                          "idle_timeout", "query_timeout", "reply_timeout",
                                                          "evicted",      "source_limit",  "shutdown"};
constexpr const char* kRcodeLabels[kRcodes] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                               "REFUSED", "BADVERS", "other",    "dropped"};
}  // namespace

std::size_t qtype_bucket(std::uint16_t qtype) noexcept {
  for (std::size_t i = 0; i < kQtypes - 1; ++i) {
    if (kQtypeOrder[i] == qtype) return i;
  }
  return kQtypes - 1;
}

const char* qtype_label(std::size_t bucket) noexcept {
  return kQtypeLabels[bucket];
}

std::size_t rcode_bucket(std::uint16_t rcode, bool dropped) noexcept {
  if (dropped) return kRcodes - 1;
  switch (rcode) {
    case dns::rcode::kNoError:
      return 0;
    case dns::rcode::kFormErr:
      return 1;
    case dns::rcode::kServFail:
      return 2;
    case dns::rcode::kNxDomain:
      return 3;
    case dns::rcode::kNotImp:
      return 4;
    case dns::rcode::kRefused:
      return 5;
    case dns::rcode::kBadVers:
      return 6;
    default:
      return 7;
  }
}

const char* rcode_label(std::size_t bucket) noexcept {
  return kRcodeLabels[bucket];
}

const char* tcp_close_label(std::size_t cause) noexcept {
  return kTcpCloseLabels[cause];
}

const char* socket_error_label(std::size_t op) noexcept {
  static constexpr const char* kLabels[kSocketErrors] = {"udp_receive", "udp_send", "tcp_accept"};
  return op < kSocketErrors ? kLabels[op] : "other";
}

WorkerCounters& CounterSet::add_worker() {
  std::lock_guard lock(mu_);
  workers_.push_back(std::make_unique<WorkerCounters>());
  return *workers_.back();
}

std::vector<std::uint64_t> CounterSet::queries() const {
  std::lock_guard lock(mu_);
  std::vector<std::uint64_t> out(kTransports * kQtypes * kRcodes);
  for (const auto& w : workers_) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += w->queries[i].load(std::memory_order_relaxed);
  }
  return out;
}

std::uint64_t CounterSet::ecs() const {
  std::lock_guard lock(mu_);
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->ecs.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t CounterSet::tcp_accepted() const {
  std::lock_guard lock(mu_);
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->tcp_accepted.load(std::memory_order_relaxed);
  return n;
}

CounterSet::Drained CounterSet::drain_answers() {
  std::lock_guard lock(mu_);
  Drained d{std::vector<std::uint64_t>(kMaxIndexed + 1), std::vector<std::uint64_t>(kMaxIndexed + 1),
            std::vector<std::uint64_t>(kMaxIndexed + 1), std::vector<std::uint64_t>(kMaxIndexed + 1)};
  for (const auto& w : workers_) {
    for (std::size_t i = 0; i <= kMaxIndexed; ++i) {
      auto take = [](const std::atomic<std::uint64_t>& cell, std::uint64_t& drained) {
        const std::uint64_t now = cell.load(std::memory_order_relaxed);
        const std::uint64_t since = now - drained;
        drained = now;
        return since;
      };
      d.records[i] += take(w->by_record[i], w->drained_record[i]);
      d.regions[i] += take(w->by_region[i], w->drained_region[i]);
      d.pools[i] += take(w->by_pool[i], w->drained_pool[i]);
      d.failed_open[i] += take(w->failed_open[i], w->drained_failed_open[i]);
    }
  }
  return d;
}

}  // namespace sgdns::metrics
