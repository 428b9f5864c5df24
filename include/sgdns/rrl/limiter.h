// SPDX-License-Identifier: MIT
// Response rate limiting (RRL) for UDP: replies to one client network, of one kind, for one name, are
// limited to a rate; the rest are dropped or, every `slip`-th, sent truncated so that a real resolver
// retries over TCP (Vixie and Schryver's RRL as NSD, Knot and BIND ship it). It makes the server useless
// as a reflector: the victim of a forged-source flood receives at most `rate` full answers a second.
//
// One Limiter (its table) is shared by every UDP worker; its settings come from the World of the batch,
// so a reload changes them. decide() takes no lock and allocates nothing. TCP is never limited: a TCP
// client has completed a handshake, so its address is not forged.
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <cstdint>

#include "sgdns/rrl/settings.h"
#include "sgdns/rrl/table.h"
#include "sgdns/util/log_gate.h"

namespace sgdns::rrl {

/// Response kinds, each limited separately (BIND's classes): the name a kind is counted under is chosen
/// by the engine (Reply::limit_name).
enum class Kind : std::uint8_t { Answer, Referral, NoData, NxDomain, Error };
inline constexpr std::size_t kKinds = 5;
[[nodiscard]] const char* kind_label(Kind kind) noexcept;

enum class Action : std::uint8_t { Send, Drop, Slip };

/// One UDP response, as the limiter sees it.
struct Response {
  Kind kind = Kind::Answer;
  std::uint16_t qtype = 0;             // answers only: an ANY flood is not an A flood
  const std::uint8_t* name = nullptr;  // lowercase wire name; null for errors (counted by network)
  const sockaddr* client = nullptr;
};

/// What one worker keeps for itself: the slip count (no shared write for it), and the bucket timing
/// derived from the settings last seen (so a reply costs no division).
struct WorkerState {
  std::uint32_t since_slip = 0;
  std::uint32_t rate = 0, window = 0;  // what interval and tolerance were derived from
  std::uint64_t interval = 0, tolerance = 0;
};

class Limiter {
 public:
  /// A table of `buckets` buckets (rounded up to a power of two), keyed with a random seed so that a
  /// client cannot choose keys that collide.
  explicit Limiter(std::size_t buckets);

  /// Decides one response at `now_us` (microseconds of a monotonic clock). An exempt client is checked
  /// only when its bucket refuses, so exemption costs nothing to the traffic under the rate.
  [[nodiscard]] Action decide(const Settings& settings, const Response& response, std::uint64_t now_us,
                              WorkerState& worker) noexcept;

  /// The key hash of a response (exposed for tests).
  [[nodiscard]] std::uint64_t key(const Settings& settings, const Response& response) const noexcept;

 private:
  void log_start(const Settings& settings, const Response& response, std::uint64_t now_us) noexcept;

  Table table_;
  std::uint64_t seed_;
  log::LogGate log_gate_{10};  // at most ten lines a second about limiting starting
};

}  // namespace sgdns::rrl
