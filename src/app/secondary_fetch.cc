// SPDX-License-Identifier: MIT
// A secondary zone's refresh: transfer, IXFR applied to the served version, checks, the copy on disk.
#include "secondary_fetch.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <unordered_map>

#include "sgdns/dns/serial.h"
#include "sgdns/dns/types.h"
#include "sgdns/net/transfer_client.h"
#include "sgdns/util/file_write.h"
#include "sgdns/zone/wire_records.h"

namespace sgdns::app {
namespace {

using zone::ParsedRecord;

std::optional<std::vector<std::uint8_t>> soa_rdata(const zone::Zone* z) {
  if (!z) return std::nullopt;
  const zone::RRset* soa = z->find_rrset(z->apex(), dns::rrtype::kSOA);
  if (!soa) return std::nullopt;
  for (auto rd : z->rdata(*soa)) return std::vector<std::uint8_t>(rd.data, rd.data + rd.size);
  return std::nullopt;
}

/// What makes two RRs the same one for an IXFR deletion: owner, type and RDATA (the TTL does not count,
/// RFC 1995 section 4 compares RRs, and a TTL change is a delete plus an add).
std::string rr_key(const ParsedRecord& r) {
  std::string k(r.owner.begin(), r.owner.end());
  k.push_back(static_cast<char>(r.type >> 8));
  k.push_back(static_cast<char>(r.type));
  k.append(r.rdata.begin(), r.rdata.end());
  return k;
}

/// Applies IXFR's difference sequences to `records` (the served version's); "" or why they do not apply
/// (then an AXFR is due).
std::string apply_steps(std::vector<ParsedRecord>& records, std::vector<net::IxfrStep>& steps) {
  for (net::IxfrStep& step : steps) {
    std::unordered_map<std::string, std::size_t> remove;
    for (const ParsedRecord& r : step.removed) ++remove[rr_key(r)];
    std::size_t matched = 0;
    std::erase_if(records, [&](const ParsedRecord& r) {
      auto it = remove.find(rr_key(r));
      if (it == remove.end() || it->second == 0) return false;
      --it->second;
      ++matched;
      return true;
    });
    if (matched != step.removed.size())
      return "a difference sequence removes " + std::to_string(step.removed.size() - matched) +
             " record(s) our copy does not hold";
    for (ParsedRecord& r : step.added) records.push_back(std::move(r));
  }
  std::stable_partition(records.begin(), records.end(),
                        [](const ParsedRecord& r) { return r.type == dns::rrtype::kSOA; });
  return {};
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

FetchOutcome fetch_zone(const FetchJob& job) {
  const auto started = std::chrono::steady_clock::now();
  FetchOutcome out;
  auto done = [&](FetchOutcome::Kind kind) {
    out.kind = kind;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
  };
  net::TransferRequest request{job.origin,     job.primary, job.key, soa_rdata(job.current.get()),
                               job.timeout_ms, job.stop};
  out.method = request.soa_rdata ? "IXFR" : "AXFR";
  net::TransferResult r = net::transfer_zone(request);
  std::vector<ParsedRecord> records;
  std::string ixfr_problem;
  if (r.kind == net::TransferResult::Kind::Incremental) {
    records = zone::zone_records(*job.current);
    ixfr_problem = apply_steps(records, r.steps);
  }
  if ((r.kind == net::TransferResult::Kind::Failed && r.try_axfr) || !ixfr_problem.empty()) {
    if (ixfr_problem.empty()) ixfr_problem = r.error;
    request.soa_rdata.reset();
    out.messages += r.messages;
    out.bytes += r.bytes;
    r = net::transfer_zone(request);
    out.method = "IXFR (" + ixfr_problem + "), then AXFR";
  }
  out.serial = r.serial;
  out.messages += r.messages;
  out.bytes += r.bytes;
  switch (r.kind) {
    case net::TransferResult::Kind::Failed:
      out.error = r.error;
      return done(FetchOutcome::Kind::Failed);
    case net::TransferResult::Kind::UpToDate:
      return done(FetchOutcome::Kind::Current);
    case net::TransferResult::Kind::Full:
      records = std::move(r.records);
      break;
    case net::TransferResult::Kind::Incremental:
      break;
  }
  if (job.current && r.serial == job.current->serial()) return done(FetchOutcome::Kind::Current);
  if (job.current && !dns::serial_newer(r.serial, job.current->serial())) {
    out.error = "the primary serves serial " + std::to_string(r.serial) + ", older than ours (" +
                std::to_string(job.current->serial()) + "): ours kept";
    return done(FetchOutcome::Kind::Failed);
  }
  out.records = records.size();
  // The copy is written first and checked as it will be read back at the next start; it replaces the
  // configured file only once it passed (a rename: a crash leaves the old copy or the new one).
  const std::string fresh = job.file + ".new";
  try {
    util::write_synced(
        fresh, "; " + job.origin + " serial " + std::to_string(r.serial) + ", transferred from " +
                   job.primary.text + " by " + (out.method == "IXFR" ? "IXFR" : "AXFR") + " at " + utc_now() +
                   " by sgdns: do not edit, the next transfer replaces it\n" + zone::master_text(records));
  } catch (const std::exception& e) {
    out.error = std::string("cannot write the copy: ") + e.what();
    ::unlink(fresh.c_str());
    return done(FetchOutcome::Kind::Failed);
  }
  try {
    // Zone::load's two steps, the file recorded under the name it will have.
    zone::MasterFile file = zone::read_master_file(fresh, job.origin);
    for (zone::SourceFile& source : file.sources)
      if (source.path == fresh) source.path = job.file;
    out.zone = zone::Zone::build(job.origin, std::move(file), job.owners);
  } catch (const std::exception& e) {
    out.error = e.what();
    const std::string kept = job.file + ".rejected";
    if (std::rename(fresh.c_str(), kept.c_str()) != 0) ::unlink(fresh.c_str());
    return done(FetchOutcome::Kind::Rejected);
  }
  if (std::rename(fresh.c_str(), job.file.c_str()) != 0) {
    out.error = "cannot rename the copy over " + job.file + ": " + std::strerror(errno);
    out.zone.reset();
    ::unlink(fresh.c_str());
    return done(FetchOutcome::Kind::Failed);
  }
  if (job.current) out.change = zone::diff(*job.current, *out.zone);
  return done(FetchOutcome::Kind::Ok);
}

}  // namespace sgdns::app
