// SPDX-License-Identifier: MIT
// NOTIFY out: one thread, one UDP socket per address family, a job per (zone, target) until answered.
#include "sgdns/net/notifier.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <random>

#include "sgdns/dns/name.h"
#include "sgdns/dns/tsig.h"
#include "sgdns/dns/wire_reader.h"
#include "sgdns/dns/writer.h"
#include "sgdns/util/log.h"

namespace sgdns::net {
namespace {

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

std::uint64_t wall_seconds() {
  return static_cast<std::uint64_t>(std::time(nullptr));
}

const char* rcode_name(int rc) {
  static const char* const kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                       "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  return rc >= 0 && rc <= 10 ? kNames[rc] : "rcode?";
}

bool same_peer(const sockaddr_storage& a, const sockaddr_storage& b, socklen_t len) {
  return a.ss_family == b.ss_family && std::memcmp(&a, &b, len) == 0;
}

}  // namespace

struct Notifier::Job {
  std::vector<std::uint8_t> origin;  // wire
  std::string zone;                  // text, for the log
  std::uint32_t serial = 0;
  dns::SocketAddress target;
  std::optional<dns::TsigKey> key;
  std::vector<std::uint8_t> request_mac;
  std::uint16_t id = 0;
  int sent = 0;
  std::uint64_t due = 0;  // next send, steady ms
  bool done = false;
};

Notifier::Notifier(int first_timeout_ms, int attempts)
    : first_timeout_ms_(first_timeout_ms), attempts_(attempts) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("notify: pipe failed");
  fd4_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  fd6_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);  // may fail without IPv6
  thread_ = std::thread([this] { run(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  (void)!::write(wake_[1], "x", 1);
  thread_.join();
  for (int fd : {wake_[0], wake_[1], fd4_, fd6_})
    if (fd >= 0) ::close(fd);
}

void Notifier::notify(const zone::Zone& zone, const std::vector<engine::Peer>& targets,
                      const std::unordered_map<std::string, dns::TsigKey>& keys) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::lock_guard lock(mu_);
  for (const engine::Peer& t : targets) {
    Job job;
    job.origin.assign(zone.origin(), zone.origin() + dns::name_length(zone.origin()));
    job.zone = zone.origin_text();
    job.serial = zone.serial();
    job.target = t.address;
    if (!t.key.empty())
      if (auto it = keys.find(t.key); it != keys.end()) job.key = it->second;
    job.id = static_cast<std::uint16_t>(rng());
    job.due = 0;
    bool replaced = false;
    for (Job& old : jobs_) {
      if (old.zone == job.zone && old.target.text == job.target.text && !old.done) {
        old = job;
        replaced = true;
      }
    }
    if (!replaced) jobs_.push_back(std::move(job));
  }
  (void)!::write(wake_[1], "x", 1);
}

void Notifier::notify_all(const engine::World& world) {
  for (const auto& [z, rep] : world.replication)
    if (!rep.notify.empty()) notify(*z, rep.notify, world.keys);
}

void Notifier::send(Job& job, std::uint64_t now) {
  std::uint8_t buf[1024];
  dns::Writer w(buf, sizeof buf);
  w.begin(job.id, static_cast<std::uint16_t>((dns::opcode::kNotify << 11) | dns::flag::kAA));
  (void)w.put_question(job.origin.data(), dns::rrtype::kSOA, dns::rrclass::kIN);
  std::size_t size = w.finish();
  if (job.key) {
    dns::TsigSigner signer(*job.key, {});
    size = signer.sign(buf, size, sizeof buf, wall_seconds());
    job.request_mac.assign(signer.mac().begin(), signer.mac().end());
  }
  const int fd = job.target.family() == AF_INET6 ? fd6_ : fd4_;
  ++job.sent;
  counters_.sent.fetch_add(1, std::memory_order_relaxed);
  const std::string what =
      "notify of " + job.zone + " serial " + std::to_string(job.serial) + " to " + job.target.text;
  if (fd < 0 || ::sendto(fd, buf, size, 0, job.target.get(), job.target.length) < 0)
    log::warn(what + ": send failed: " + std::strerror(errno));
  else
    log::info(what + ": sent" + (job.sent > 1 ? " (try " + std::to_string(job.sent) + ")" : "") +
              (job.key ? ", key " + job.key->name_text : ""));
  // Back-off: 1, 2, 4, 8 s by default; a secondary that is down for longer catches up on its SOA refresh.
  job.due = now + (static_cast<std::uint64_t>(first_timeout_ms_) << (job.sent - 1));
}

void Notifier::receive(int fd, std::uint64_t) {
  std::uint8_t buf[4096];
  sockaddr_storage from{};
  socklen_t from_len = sizeof from;
  const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  if (n < 0) return;
  dns::WireReader reply({buf, static_cast<std::size_t>(n)});
  const std::uint8_t* h = reply.group<dns::kHeaderSize>();
  if (!h) return;  // shorter than a header
  const std::uint16_t id = dns::load_u16(h);
  const std::uint16_t flags = dns::load_u16(h + 2);
  std::lock_guard lock(mu_);
  for (Job& job : jobs_) {
    if (job.done || job.id != id || !same_peer(from, job.target.storage, job.target.length)) continue;
    const std::string what =
        "notify of " + job.zone + " serial " + std::to_string(job.serial) + " to " + job.target.text;
    const int rc = flags & 0x0f;
    if ((flags & dns::flag::kQR) == 0 || ((flags >> 11) & 0x0f) != dns::opcode::kNotify)
      return;  // not a reply
    if (job.key) {
      dns::TsigRecord rec;
      std::span<const std::uint8_t> msg(buf, static_cast<std::size_t>(n));
      const bool found = dns::find_tsig(msg, rec) == dns::TsigFound::Found;
      dns::TsigVerifier verifier(*job.key, job.request_mac);
      const std::uint16_t err = found ? verifier.verify(msg, &rec, wall_seconds()) : dns::tsig_error::kBadSig;
      if (err != dns::tsig_error::kNone) {
        log::warn(what + ": reply " + rcode_name(rc) + " with a bad or missing TSIG signature (error " +
                  std::to_string(found ? (rec.error ? rec.error : err) : err) + "): ignored");
        return;
      }
    }
    job.done = true;
    if (rc == 0) {
      counters_.acknowledged.fetch_add(1, std::memory_order_relaxed);
      log::info(what + ": acknowledged");
    } else {
      counters_.failed.fetch_add(1, std::memory_order_relaxed);
      log::warn(what + ": answered " + rcode_name(rc) + " (not a secondary of this zone there?)");
    }
    return;
  }
}

void Notifier::run() {
  for (;;) {
    std::uint64_t now = now_ms();
    int timeout = -1;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      for (Job& job : jobs_) {
        if (job.done) continue;
        if (job.due <= now) {
          if (job.sent >= attempts_) {
            job.done = true;
            counters_.failed.fetch_add(1, std::memory_order_relaxed);
            log::warn("notify of " + job.zone + " serial " + std::to_string(job.serial) + " to " +
                      job.target.text + ": no answer after " + std::to_string(job.sent) + " tries, given up");
            continue;
          }
          send(job, now);
        }
        const std::uint64_t wait = job.due > now ? job.due - now : 0;
        if (timeout < 0 || wait < static_cast<std::uint64_t>(timeout)) timeout = static_cast<int>(wait);
      }
      std::erase_if(jobs_, [](const Job& j) { return j.done; });
    }
    pollfd fds[3] = {{wake_[0], POLLIN, 0}, {fd4_, POLLIN, 0}, {fd6_, POLLIN, 0}};
    if (::poll(fds, fd6_ >= 0 ? 3 : 2, timeout) <= 0) continue;
    if (fds[0].revents) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    now = now_ms();
    if (fds[1].revents & POLLIN) receive(fd4_, now);
    if (fd6_ >= 0 && (fds[2].revents & POLLIN)) receive(fd6_, now);
  }
}

}  // namespace sgdns::net
