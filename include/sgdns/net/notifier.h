// SPDX-License-Identifier: MIT
// Notifier: sends NOTIFY (RFC 1996) for zones whose serial changed to their configured secondaries, on
// its own thread, retrying with back-off until each target acknowledges, and logs every outcome.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sgdns/engine/world.h"

namespace sgdns::net {

struct NotifyCounters {
  std::atomic<std::uint64_t> sent{0};          // datagrams, retries included
  std::atomic<std::uint64_t> acknowledged{0};  // targets that answered NOERROR
  std::atomic<std::uint64_t> failed{0};        // targets given up on, or that answered an error
};

class Notifier {
 public:
  /// First retry after `first_timeout_ms`, doubling, `attempts` sends in all.
  explicit Notifier(int first_timeout_ms = 1000, int attempts = 5);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Queues NOTIFY of `zone` (now at `serial`) to each of `targets`, signed with their keys from `keys`.
  /// A NOTIFY still being retried for the same zone and target is replaced (the newer serial is what
  /// counts).
  void notify(const zone::Zone& zone, const std::vector<engine::Peer>& targets,
              const std::unordered_map<std::string, dns::TsigKey>& keys);
  /// Every zone of `world` with notify targets.
  void notify_all(const engine::World& world);

  [[nodiscard]] const NotifyCounters& counters() const noexcept { return counters_; }

 private:
  struct Job;
  void run();
  void send(Job& job, std::uint64_t now_ms);
  void receive(int fd, std::uint64_t now_ms);

  const int first_timeout_ms_;
  const int attempts_;
  std::mutex mu_;
  std::vector<Job> jobs_;
  bool stopping_ = false;
  int wake_[2] = {-1, -1};  // pipe: a new job or stop wakes the thread from poll()
  int fd4_ = -1, fd6_ = -1;
  NotifyCounters counters_;
  std::thread thread_;
};

}  // namespace sgdns::net
