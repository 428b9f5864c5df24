// SPDX-License-Identifier: MIT
// Per-worker query counters: each worker owns its block and is its only writer, so a bump is a relaxed load
// and store (no shared cache line, no lock, not even a locked add: prometheus-cpp's Counter runs a CAS loop);
// /metrics sums the blocks at scrape time and never writes to them.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sgdns::metrics {

inline constexpr std::size_t kTransports = 2;    // udp, tcp
inline constexpr std::size_t kQtypes = 14;       // see qtype_bucket()
inline constexpr std::size_t kRcodes = 9;        // see rcode_bucket(); the last is "dropped"
inline constexpr std::size_t kRrlKinds = 5;      // rrl::Kind, labelled by rrl::kind_label()
inline constexpr std::size_t kCookieChecks = 4;  // engine::CookieCheck: none, new, bad, valid
inline constexpr std::size_t kLocateRules = 7;   // policy::LocateRule, labelled by policy::rule_name()

/// Why a TCP connection was closed (sgdns_tcp_connections_closed_total{cause}).
enum class TcpClose : std::uint8_t {
  PeerClosed,    // the client closed it (EOF), after its replies went out
  Error,         // reset by the client, or a socket error
  BadFrame,      // a zero-length message (RFC 7766 8): not DNS
  IdleTimeout,   // no complete query for tcp.idle_timeout
  QueryTimeout,  // a query not complete within tcp.query_timeout of its first byte
  ReplyTimeout,  // queued replies not taken within tcp.reply_timeout
  Evicted,       // the longest idle, closed to make room for a new connection at tcp.max_connections
  SourceLimit,   // refused: its address already had tcp.max_per_source connections
  Shutdown,      // the server stopped
};
inline constexpr std::size_t kTcpCloseCauses = 9;
[[nodiscard]] const char* tcp_close_label(std::size_t cause) noexcept;

/// A socket error a transport survives (sgdns_socket_errors_total{op}): a UDP receive that failed (the
/// worker retries), a UDP reply the kernel refused for good (it is lost), a TCP accept that failed (that
/// connection is lost; libuv frees a descriptor and drops it when the process has none left).
enum class SocketError : std::uint8_t { UdpReceive, UdpSend, TcpAccept };
inline constexpr std::size_t kSocketErrors = 3;
[[nodiscard]] const char* socket_error_label(std::size_t op) noexcept;

/// Records, regions and pools counted per index; a configuration with more counts the rest as "other".
inline constexpr std::size_t kMaxIndexed = 1024;

[[nodiscard]] std::size_t qtype_bucket(std::uint16_t qtype) noexcept;
[[nodiscard]] const char* qtype_label(std::size_t bucket) noexcept;
[[nodiscard]] std::size_t rcode_bucket(std::uint16_t rcode, bool dropped) noexcept;
[[nodiscard]] const char* rcode_label(std::size_t bucket) noexcept;

struct alignas(64) WorkerCounters {
  /// Counts one handled message (`transport` 0 = UDP, 1 = TCP) from the engine's reply.
  template <typename Reply, typename Query>
  void count(std::size_t transport, const Query& query, const Reply& reply, bool dropped) noexcept {
    count_query(transport, query.qtype, reply.rcode, dropped);
    if (query.edns.has_ecs) bump(ecs);
    if (reply.record >= 0) count_answer(reply.record, reply.region, reply.pool, reply.failed_open);
    if (reply.located >= 0 && static_cast<std::size_t>(reply.located) < kLocateRules)
      bump(located[static_cast<std::size_t>(reply.located)]);
    if (const auto c = static_cast<std::size_t>(reply.cookie); c != 0) bump(cookies[c]);
  }

  std::array<std::atomic<std::uint64_t>, kTransports * kQtypes * kRcodes> queries{};
  std::array<std::atomic<std::uint64_t>, kMaxIndexed + 1> by_record{};
  std::array<std::atomic<std::uint64_t>, kMaxIndexed + 1> by_region{};
  std::array<std::atomic<std::uint64_t>, kMaxIndexed + 1> by_pool{};
  /// Answers by record that failed open: every pool the record could use was down.
  std::array<std::atomic<std::uint64_t>, kMaxIndexed + 1> failed_open{};
  std::atomic<std::uint64_t> ecs{0};
  /// Geo and nearest answers by the rule that placed the client (sgdns_located_total{rule}).
  std::array<std::atomic<std::uint64_t>, kLocateRules> located{};
  std::array<std::atomic<std::uint64_t>, kCookieChecks> cookies{};
  /// UDP responses over the rate, by kind: sent truncated (or BADCOOKIE), or not sent.
  std::array<std::atomic<std::uint64_t>, kRrlKinds> rrl_slipped{}, rrl_dropped{};
  /// The TCP thread's block only.
  std::atomic<std::uint64_t> tcp_accepted{0};
  std::array<std::atomic<std::uint64_t>, kTcpCloseCauses> tcp_closed{};
  /// By SocketError; each worker bumps its own.
  std::array<std::atomic<std::uint64_t>, kSocketErrors> socket_errors{};

  /// Scrape side only (under CounterSet's lock): the per-index counts already drained.
  std::array<std::uint64_t, kMaxIndexed + 1> drained_record{}, drained_region{}, drained_pool{},
      drained_failed_open{};

  void count_query(std::size_t transport, std::uint16_t qtype, std::uint16_t rcode, bool dropped) noexcept {
    bump(queries[(transport * kQtypes + qtype_bucket(qtype)) * kRcodes + rcode_bucket(rcode, dropped)]);
  }
  /// Single writer: a plain increment, atomic only so that the scrape thread may read it meanwhile.
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void count_answer(std::int32_t record, std::int32_t region, std::int32_t pool,
                    bool opened = false) noexcept {
    auto slot = [](std::int32_t i) {
      return i < 0 ? kMaxIndexed : std::min<std::size_t>(static_cast<std::size_t>(i), kMaxIndexed);
    };
    if (record >= 0) bump(by_record[slot(record)]);
    if (region >= 0) bump(by_region[slot(region)]);
    if (pool >= 0) bump(by_pool[slot(pool)]);
    if (opened && record >= 0) bump(failed_open[slot(record)]);
  }
};

/// Every worker's block. Blocks are created before the workers start and live as long as the server.
class CounterSet {
 public:
  /// A new block for one worker thread.
  WorkerCounters& add_worker();
  /// Sum over workers of the query counters, indexed as WorkerCounters::queries.
  [[nodiscard]] std::vector<std::uint64_t> queries() const;
  [[nodiscard]] std::uint64_t ecs() const;
  /// Sum over workers of one array of counters (e.g. &WorkerCounters::rrl_dropped).
  template <std::size_t N>
  [[nodiscard]] std::array<std::uint64_t, N> sum(
      std::array<std::atomic<std::uint64_t>, N> WorkerCounters::*field) const {
    std::lock_guard lock(mu_);
    std::array<std::uint64_t, N> out{};
    for (const auto& w : workers_) {
      for (std::size_t i = 0; i < N; ++i) out[i] += ((*w).*field)[i].load(std::memory_order_relaxed);
    }
    return out;
  }
  [[nodiscard]] std::uint64_t tcp_accepted() const;
  /// Drains the per-index answer counters (called when a reload changes what indices mean): returns the
  /// counts since the last drain. The workers' cells are only read (they have a single writer); what was
  /// taken is remembered per cell, so nothing is lost or counted twice.
  struct Drained {
    std::vector<std::uint64_t> records, regions, pools, failed_open;  // failed_open: by record
  };
  Drained drain_answers();

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<WorkerCounters>> workers_;
};

}  // namespace sgdns::metrics
