// SPDX-License-Identifier: MIT
// The watcher and heartbeat threads and the compare-and-swap override writes (fleet_client.h).
#include "fleet_client.h"

#include <chrono>
#include <cmath>

#include "sgdns/util/log.h"

namespace sgdns::app::fleet {
namespace {

/// Retry pace while etcd is away: quick enough that a restarted etcd is picked up within a second.
constexpr int kRetryMs = 250;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The current mod_revision of `key` (0: absent) and its value.
std::pair<std::int64_t, std::string> read_key(etcd::EtcdClient& client, const std::string& key) {
  const etcd::RangeReply r = etcd::parse_range(client.call("kv/range", {{"key", etcd::base64(key)}}));
  if (r.kvs.empty()) return {0, {}};
  return {r.kvs.front().mod_revision, r.kvs.front().value};
}

}  // namespace

FleetClient::FleetClient(config::FleetConfig config, std::function<void(Update)> deliver,
                         std::function<std::optional<Publication>()> publication)
    : config_(std::move(config)),
      deliver_(std::move(deliver)),
      publication_(std::move(publication)),
      password_(etcd::read_password(config_)),
      writer_(config_, password_) {}

FleetClient::~FleetClient() {
  stop();
}

void FleetClient::start() {
  watcher_ = std::thread([this] { watch_loop(); });
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

void FleetClient::stop() {
  {
    std::lock_guard lock(wait_mu_);
    stopping_ = true;
    abort_watch_ = true;
  }
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  connected_ = false;
}

bool FleetClient::pause(int ms) {
  std::unique_lock lock(wait_mu_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
  return !stopping_.load();
}

void FleetClient::read_range(etcd::EtcdClient& client) {
  Update u;
  u.full = true;
  etcd::RangeReply r = etcd::parse_range(client.call("kv/range", etcd::range_request(config_.prefix + "/")));
  u.revision = r.revision;
  u.kvs = std::move(r.kvs);
  revision_ = r.revision;
  deliver_(std::move(u));
}

void FleetClient::watch_loop() {
  etcd::EtcdClient client(config_, password_);
  bool need_range = true;
  std::string last_problem;
  while (!stopping_) {
    try {
      abort_watch_ = stopping_.load();
      if (need_range) {
        read_range(client);
        need_range = false;
      }
      client.watch(
          etcd::watch_request(config_.prefix + "/", revision_ + 1),
          [&](const std::string& line) {
            const etcd::WatchReply w = etcd::parse_watch(line);
            if (w.compact_revision > 0 || w.canceled) {
              log::warn("fleet: watch from revision " + std::to_string(revision_ + 1) +
                        (w.compact_revision > 0 ? " compacted (at " + std::to_string(w.compact_revision) + ")"
                                                : " cancelled: " + w.cancel_reason) +
                        "; reading the prefix again");
              need_range = true;
              return false;
            }
            if (w.created && !connected_.exchange(true)) {
              log::info("fleet: watching " + config_.prefix + "/ from revision " +
                        std::to_string(revision_ + 1));
              last_problem.clear();
            }
            if (w.events.empty()) return true;
            Update u;
            u.revision = w.events.back().kv.mod_revision;
            u.events = w.events;
            revision_ = u.revision;
            deliver_(std::move(u));
            return true;
          },
          abort_watch_);
      if (stopping_) break;
      // Not a compaction (which reads the range next): a failed heartbeat ended it.
      if (!need_range) throw etcd::EtcdUnavailable("a heartbeat did not get through; watching again");
    } catch (const std::exception& e) {  // EtcdUnavailable, EtcdReplyError
      if (connected_.exchange(false) || last_problem != e.what())
        log::warn(std::string("fleet: ") + e.what() + "; serving the last known state, retrying");
      last_problem = e.what();
    }
    if (!pause(kRetryMs)) break;
  }
}

void FleetClient::heartbeat_loop() {
  etcd::EtcdClient client(config_, password_);
  std::int64_t lease = 0;
  const std::string instance = instance_key(config_.prefix, config_.instance);
  const std::string health = health_key(config_.prefix, config_.instance);
  do {
    try {
      if (lease != 0 &&
          etcd::parse_lease(client.call("lease/keepalive", {{"ID", std::to_string(lease)}})).ttl <= 0)
        lease = 0;  // expired while etcd was away: the keys went with it, written again below
      if (lease == 0)
        lease = etcd::parse_lease(client.call("lease/grant", {{"TTL", std::to_string(kLeaseSeconds)}})).id;
      const std::optional<Publication> p = publication_();
      if (!p) break;
      std::vector<nlohmann::json> ops = {etcd::put_op(instance, p->heartbeat, lease)};
      if (p->health) ops.push_back(etcd::put_op(health, *p->health, lease));
      (void)etcd::parse_txn(client.call("kv/txn", {{"success", ops}}));
    } catch (const std::exception&) {
      // The lease is kept and checked on the next beat. The watch may sit on a connection whose peer is
      // gone without a reset: end it, so the watcher finds out whether etcd is there.
      abort_watch_ = true;
    }
  } while (pause(kHeartbeatMs));
  if (lease != 0) {
    try {  // gone at once rather than after the lease's TTL: the fleet view drops this instance now
      (void)client.call("lease/revoke", {{"ID", std::to_string(lease)}});
    } catch (const std::exception&) {
    }
  }
}

FleetClient::Written FleetClient::set_override(const Override& o, const std::string& requester) {
  if (!connected_)
    return {503,
            "fleet: etcd is unreachable, so the override was not written (instances keep "
            "serving the last known overrides); retry when etcd is back"};
  std::lock_guard lock(writer_mu_);
  try {
    const std::string key = override_key(config_.prefix, o.pool, o.member);
    const auto [mod_revision, unused] = read_key(writer_, key);
    std::int64_t lease = 0;
    const double now = now_seconds();
    if (o.expires > 0) {
      // etcd deletes the key when the lease ends: every instance drops the override at the same moment.
      const auto ttl = static_cast<std::int64_t>(std::ceil(std::max(1.0, o.expires - now)));
      lease = etcd::parse_lease(writer_.call("lease/grant", {{"TTL", std::to_string(ttl)}})).id;
    }
    const std::string value = override_value({o, config_.instance, requester});
    const etcd::TxnReply t = etcd::parse_txn(writer_.call(
        "kv/txn", etcd::cas_txn(key, mod_revision,
                                {etcd::put_op(key, value, lease),
                                 etcd::put_op(audit_key(config_.prefix, now, config_.instance),
                                              audit_value("set", o, config_.instance, requester, now), 0)})));
    if (!t.succeeded)
      return {409, "fleet: " + o.key() + " was changed by another instance meanwhile; read it and retry"};
    return {};
  } catch (const std::exception& e) {
    return {503, std::string("fleet: override not written: ") + e.what()};
  }
}

FleetClient::Written FleetClient::clear_override(const std::string& pool, const std::string& member,
                                                 const std::string& requester) {
  if (!connected_)
    return {503,
            "fleet: etcd is unreachable, so the override was not cleared (instances keep "
            "serving the last known overrides); retry when etcd is back"};
  std::lock_guard lock(writer_mu_);
  try {
    const std::string key = override_key(config_.prefix, pool, member);
    const auto [mod_revision, value] = read_key(writer_, key);
    if (mod_revision == 0) return {404, "no override for " + pool + "/" + member};
    Override o = parse_override_value(value).o;
    const double now = now_seconds();
    const etcd::TxnReply t = etcd::parse_txn(writer_.call(
        "kv/txn",
        etcd::cas_txn(key, mod_revision,
                      {etcd::delete_op(key),
                       etcd::put_op(audit_key(config_.prefix, now, config_.instance),
                                    audit_value("clear", o, config_.instance, requester, now), 0)})));
    if (!t.succeeded)
      return {409, "fleet: " + pool + "/" + member + " was changed by another instance meanwhile; retry"};
    return {};
  } catch (const std::exception& e) {
    return {503, std::string("fleet: override not cleared: ") + e.what()};
  }
}

}  // namespace sgdns::app::fleet
