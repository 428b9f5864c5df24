// SPDX-License-Identifier: MIT
// Secondary zones: SOA timers, NOTIFY-triggered refreshes, the fetch thread, new versions served.
#include "secondaries.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "sgdns/dns/name.h"
#include "sgdns/dns/serial.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/wire_reader.h"
#include "sgdns/util/log.h"
#include "sgdns/world/build.h"

namespace sgdns::app {
namespace {

/// Before a zone has its first copy there is no SOA to take the retry from: 10 s, doubling to 5 min.
constexpr double kFirstRetry = 10, kMaxFirstRetry = 300;

const zone::Zone* find_zone(const engine::World& world, const std::string& origin) {
  std::vector<std::uint8_t> wire;
  if (!dns::name_from_text(origin, wire)) return nullptr;
  dns::name_to_lower(wire.data(), wire.size());
  return world.zones.exact(wire.data());
}

std::shared_ptr<const zone::Zone> shared_zone(const engine::World& world, const zone::Zone* z) {
  for (const auto& p : world.zones.zones())
    if (p.get() == z) return p;
  return nullptr;
}

double file_mtime(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
}

const char* result_label(FetchOutcome::Kind k) {
  switch (k) {
    case FetchOutcome::Kind::Ok:
      return "ok";
    case FetchOutcome::Kind::Current:
      return "current";
    case FetchOutcome::Kind::Rejected:
      return "rejected";
    case FetchOutcome::Kind::Failed:
      break;
  }
  return "failed";
}

std::string seconds_text(double s) {
  return std::to_string(static_cast<long long>(std::llround(s))) + " s";
}

}  // namespace

Secondaries::Secondaries(ControlLoop& loop, metrics::Metrics& metrics, Serving serving, Install install)
    : loop_(loop), metrics_(metrics), serving_(std::move(serving)), install_(std::move(install)) {
  thread_ = std::thread([this] { run(); });
}

Secondaries::~Secondaries() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  stop_transfer_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
  thread_.join();
}

void Secondaries::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void Secondaries::timers_from(State& s, const zone::Zone& z, double now) {
  const zone::RRset* soa = z.find_rrset(z.apex(), dns::rrtype::kSOA);
  for (auto rd : z.rdata(*soa)) {
    dns::WireReader r({rd.data, rd.size});
    std::uint8_t name[dns::kMaxNameLen];
    (void)r.name(name, false);
    (void)r.name(name, false);
    r.skip(4);  // serial
    s.refresh = r.u32();
    s.retry = r.u32();
    s.expire = r.u32();
    break;
  }
  // A zero or absurd timer from the primary is not a reason to poll it in a loop.
  s.refresh = std::max<std::uint32_t>(s.refresh, 1);
  s.retry = std::max<std::uint32_t>(s.retry, 1);
  s.next_check = now + s.refresh;
  s.expires_at = now + s.expire;
}

void Secondaries::configure(const config::Config& config, engine::World& world, double now) {
  std::map<std::string, State> next;
  for (std::size_t i = 0; i < config.zones.size(); ++i) {
    const config::ZoneSource& source = config.zones[i];
    if (!source.replication.primary) continue;
    auto old = zones_.find(source.origin);
    const bool same_primary =
        old != zones_.end() && config_.zones.size() > old->second.index &&
        config_.zones[old->second.index].replication.primary &&
        config_.zones[old->second.index].replication.primary->address.text ==
            source.replication.primary->address.text &&
        config_.zones[old->second.index].replication.primary->key == source.replication.primary->key;
    State s;
    const zone::Zone* current = find_zone(world, source.origin);
    if (same_primary) {
      s = old->second;
    } else if (current) {
      // A copy from before this start (or another primary): its age counts towards the expire, as
      // BIND does with the file's modification time, and a refresh is asked for at once.
      timers_from(s, *current, now);
      const double mtime = file_mtime(source.file);
      if (mtime > 0) s.expires_at = mtime + s.expire;
      s.next_check = now;
    } else {
      s.next_check = now;
    }
    s.index = i;
    if (!current) s.expires_at = 0;
    if (s.expired && current) world.expired.push_back(current);
    next[source.origin] = s;
    // Every result's series exists from the start, so increase() sees the first failure.
    for (auto kind : {FetchOutcome::Kind::Ok, FetchOutcome::Kind::Current, FetchOutcome::Kind::Failed,
                      FetchOutcome::Kind::Rejected})
      metrics_.zone_transfers_in.Add({{"zone", source.origin}, {"result", result_label(kind)}});
  }
  for (const auto& [origin, s] : zones_) {
    if (next.count(origin) == 0)
      metrics_.zone_expire_timestamp.Remove(&metrics_.zone_expire_timestamp.Add({{"zone", origin}}));
  }
  zones_ = std::move(next);
  config_ = config;
  for (const auto& [origin, s] : zones_)
    metrics_.zone_expire_timestamp.Add({{"zone", origin}}).Set(s.expires_at);
}

void Secondaries::tick(double now) {
  for (auto& [origin, s] : zones_) {
    if (s.expires_at > 0 && now >= s.expires_at && !s.expired) set_expired(origin, s, true);
    if (!s.in_flight && now >= s.next_check) start_fetch(origin, s);
  }
}

void Secondaries::notified(const std::string& origin, double) {
  auto it = zones_.find(origin);
  if (it == zones_.end()) return;
  if (it->second.in_flight) {
    it->second.again = true;  // the transfer in progress may have started before the change
    return;
  }
  start_fetch(origin, it->second);
}

void Secondaries::start_fetch(const std::string& origin, State& s) {
  const std::shared_ptr<const engine::World> world = serving_();
  const config::ZoneSource& source = config_.zones[s.index];
  const engine::Peer& primary = *source.replication.primary;
  FetchJob job;
  job.origin = origin;
  job.file = source.file;
  job.primary = primary.address;
  if (!primary.key.empty()) {
    auto k = world->keys.find(primary.key);
    if (k != world->keys.end()) job.key = k->second;
  }
  job.current = shared_zone(*world, find_zone(*world, origin));
  job.stop = &stop_transfer_;
  try {
    job.owners = sgdns::world::dynamic_owners_of(config_, world->policy.get(), s.index);
  } catch (const std::exception& e) {
    log::warn("secondary " + origin + ": geo records not applied: " + e.what());
  }
  s.in_flight = true;
  s.again = false;
  {
    std::lock_guard lock(mu_);
    jobs_.push_back([this, job = std::move(job)] {
      FetchOutcome out = fetch_zone(job);
      (void)loop_.post(
          [this, origin = job.origin, out = std::move(out)]() mutable { finished(origin, std::move(out)); });
    });
  }
  wake_.notify_one();
}

void Secondaries::set_expired(const std::string& origin, State& s, bool expired) {
  s.expired = expired;
  const std::shared_ptr<const engine::World> before = serving_();
  const zone::Zone* current = find_zone(*before, origin);
  if (!current) return;
  const std::string primary = config_.zones[s.index].replication.primary->address.text;
  if (expired)
    log::warn("secondary " + origin + ": no refresh from " + primary + " within the SOA expire (" +
              std::to_string(s.expire) + " s): answering SERVFAIL for it until the primary is reached");
  else
    log::info("secondary " + origin + ": " + primary + " reached again: serving serial " +
              std::to_string(current->serial()) + " again");
  install_(sgdns::world::with_expired(*before, current, expired), *before);
}

void Secondaries::finished(const std::string& origin, FetchOutcome out) {
  auto it = zones_.find(origin);
  if (it == zones_.end()) return;  // no longer a secondary zone (a reload)
  State& s = it->second;
  s.in_flight = false;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const config::ZoneSource& source = config_.zones[s.index];
  const std::string primary = source.replication.primary->address.text;
  metrics_.zone_transfers_in.Add({{"zone", origin}, {"result", result_label(out.kind)}}).Increment();
  const std::shared_ptr<const engine::World> before = serving_();
  const zone::Zone* current = find_zone(*before, origin);
  const std::string ours = current ? "serial " + std::to_string(current->serial()) : "no copy";
  const std::string figures = std::to_string(out.messages) + " messages, " + std::to_string(out.bytes) +
                              " bytes in " + std::to_string(static_cast<long long>(out.seconds * 1000)) +
                              " ms";
  if (out.kind == FetchOutcome::Kind::Ok && current &&
      !dns::serial_newer(out.zone->serial(), current->serial()))
    out.kind = FetchOutcome::Kind::Current;  // a reload served a newer copy meanwhile
  switch (out.kind) {
    case FetchOutcome::Kind::Ok: {
      std::shared_ptr<const zone::Journal> journal = std::make_shared<zone::Journal>();
      auto j = current ? before->journals.find(current) : before->journals.end();
      if (out.change && current && out.change->from == current->serial() && j != before->journals.end())
        journal = j->second->with(std::move(*out.change), config_.journal_limits);
      log::info("secondary " + origin + ": " + ours + " -> serial " + std::to_string(out.zone->serial()) +
                " from " + primary + " by " + out.method + ", " + std::to_string(out.records) + " records, " +
                figures);
      if (s.expired) log::info("secondary " + origin + ": " + primary + " reached again");
      s.expired = false;
      s.failures = 0;
      timers_from(s, *out.zone, now);
      install_(sgdns::world::with_zone(*before, out.zone, std::move(journal), source.replication), *before);
      break;
    }
    case FetchOutcome::Kind::Current:
      log::info("secondary " + origin + ": " + ours + " is current at " + primary + " (" + out.method + ", " +
                figures + ")");
      if (current) {
        timers_from(s, *current, now);
        (void)::utimensat(AT_FDCWD, source.file.c_str(), nullptr, 0);  // the restart's expire counts from now
        if (s.expired) set_expired(origin, s, false);
      }
      break;
    case FetchOutcome::Kind::Failed:
    case FetchOutcome::Kind::Rejected: {
      const double wait =
          current ? s.retry : std::min(kMaxFirstRetry, kFirstRetry * std::pow(2.0, s.failures));
      s.failures += 1;
      s.next_check = now + wait;
      const std::string left =
          s.expires_at > 0 ? (s.expired ? ", expired" : ", expires in " + seconds_text(s.expires_at - now))
                           : "";
      if (out.kind == FetchOutcome::Kind::Rejected)
        log::warn("secondary " + origin + ": serial " + std::to_string(out.serial) + " from " + primary +
                  " by " + out.method + " rejected, still serving " + ours + ": " + out.error +
                  " (the transferred copy is " + source.file + ".rejected); retry in " + seconds_text(wait) +
                  left);
      else
        log::warn("secondary " + origin + ": refresh from " + primary + " failed (" + out.method +
                  "): " + out.error + "; serving " + ours + ", retry in " + seconds_text(wait) + left);
      break;
    }
  }
  metrics_.zone_expire_timestamp.Add({{"zone", origin}}).Set(s.expires_at);
  if (s.again) start_fetch(origin, s);
}

}  // namespace sgdns::app
