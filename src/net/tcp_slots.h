// SPDX-License-Identifier: MIT
// Who holds the TCP slots: connections per source address (the per-source cap) and the order in which
// they last completed a query (the longest idle is evicted when the global cap is reached).
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <list>
#include <unordered_map>

namespace sgdns::net {

/// A source as the per-source cap counts it: an IPv4 address, or an IPv6 /64 (what one host holds, so
/// a client cannot dodge the cap by using more of its own addresses).
struct SourceKey {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  bool operator==(const SourceKey&) const = default;
};
[[nodiscard]] SourceKey source_key(const sockaddr* peer) noexcept;

struct TcpConnection;

class TcpSlots {
 public:
  using Position = std::list<TcpConnection*>::iterator;

  [[nodiscard]] std::size_t size() const noexcept { return order_.size(); }
  [[nodiscard]] int from(const SourceKey& source) const noexcept;

  /// Registers a new connection as the most recently active one.
  Position add(TcpConnection* c, const SourceKey& source);
  void remove(Position at, const SourceKey& source);
  /// The connection completed a query: it moves to the back of the idle order (no allocation).
  void touch(Position at) noexcept { order_.splice(order_.end(), order_, at); }

  /// The connection to evict for a newcomer: the one idle longest, preferring one that is not busy
  /// writing (an AXFR to a secondary looks idle by queries); nullptr when there is none.
  template <typename IsWriting>
  [[nodiscard]] TcpConnection* longest_idle(IsWriting&& is_writing) const {
    int looked = 0;
    for (TcpConnection* c : order_) {
      if (!is_writing(c)) return c;
      if (++looked == kEvictionScan) break;
    }
    return order_.empty() ? nullptr : order_.front();
  }

  [[nodiscard]] const std::list<TcpConnection*>& all() const noexcept { return order_; }

 private:
  /// How far past busy writers eviction looks before taking the longest idle anyway.
  static constexpr int kEvictionScan = 16;
  struct SourceHash {
    std::size_t operator()(const SourceKey& k) const noexcept {
      return static_cast<std::size_t>((k.high * 0x9E3779B97F4A7C15ull) ^ (k.low * 0xC2B2AE3D27D4EB4Full));
    }
  };
  std::list<TcpConnection*> order_;  // front: idle longest
  std::unordered_map<SourceKey, int, SourceHash> per_source_;
};

}  // namespace sgdns::net
