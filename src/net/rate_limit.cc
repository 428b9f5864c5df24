// SPDX-License-Identifier: MIT
// UDP replies through the response rate limiter: classify, decide, then send, slip or drop.
#include "sgdns/net/rate_limit.h"

namespace sgdns::net {

rrl::Kind limit_kind(const engine::Reply& reply) noexcept {
  switch (reply.outcome) {
    case engine::Outcome::Answer:
      return rrl::Kind::Answer;
    case engine::Outcome::Referral:
      return rrl::Kind::Referral;
    case engine::Outcome::NoData:
      return rrl::Kind::NoData;
    case engine::Outcome::NxDomain:
      return rrl::Kind::NxDomain;
    default:
      return rrl::Kind::Error;
  }
}

engine::Reply limit_udp_reply(const engine::World& world, rrl::Limiter& limiter, rrl::WorkerState& state,
                              const engine::Scratch& scratch, const engine::Reply& reply,
                              const sockaddr* peer, std::uint64_t now_us, std::span<std::uint8_t> out,
                              metrics::WorkerCounters* counters) noexcept {
  const rrl::Settings& settings = world.options.rrl;
  if (!settings.enabled || reply.size == 0 || reply.cookie == engine::CookieCheck::Valid) return reply;
  const rrl::Kind kind = limit_kind(reply);
  const rrl::Response response{kind, scratch.query.qtype,
                               kind == rrl::Kind::Error ? nullptr : reply.limit_name, peer};
  const rrl::Action action = limiter.decide(settings, response, now_us, state);
  if (action == rrl::Action::Send) return reply;
  const auto k = static_cast<std::size_t>(kind);
  if (action == rrl::Action::Drop) {
    if (counters) metrics::WorkerCounters::bump(counters->rrl_dropped[k]);
    engine::Reply dropped = reply;
    dropped.size = 0;
    return dropped;
  }
  if (counters) metrics::WorkerCounters::bump(counters->rrl_slipped[k]);
  return engine::slip_reply(world, scratch, reply, out);
}

}  // namespace sgdns::net
