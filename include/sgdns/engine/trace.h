// SPDX-License-Identifier: MIT
// Trace: what the dynamic path decided and why, recorded as it decides. A caller that wants it (explain)
// points Scratch::trace at one; the query path leaves it null and pays one untaken branch per dynamic
// decision, nothing per member. Recording may allocate: it only ever happens for a caller that asked.
#pragma once
#include <cstdint>
#include <vector>

#include "sgdns/engine/locate.h"
#include "sgdns/policy/policy.h"

namespace sgdns::engine {

/// Why a pool of the record's order did or did not answer.
enum class PoolVerdict : std::uint8_t {
  Answered,    // the answer came from it
  NoFamily,    // no member of the queried address family (and not a CNAME pool): skipped
  AllDown,     // every member of the family (or its CNAME check) down: skipped
  NotReached,  // an earlier pool answered
  Live,        // weighted and multivalue: live, so a candidate of the draw or the gathering
  FailOpen,    // everything was down: answered as if all were up (fail_open)
};
[[nodiscard]] const char* verdict_name(PoolVerdict v) noexcept;

/// One member as the decision saw it: a candidate when up and of the queried family.
struct TracedMember {
  bool up = true;             // probed or forced; always up when not probed
  bool other_family = false;  // an address of the other family: never a candidate for this type
};

/// One dynamic decision (a CNAME chain may make two).
struct TraceStep {
  std::int32_t record = -1;  // index into Policy::records
  std::uint16_t qtype = 0;   // A or AAAA: the family decided for
  /// Geo and nearest records: where the client was placed, by which rule (ClientRegion::rule).
  bool located = false;
  ClientRegion where;
  struct Pool {
    std::int32_t pool = -1;  // index into Policy::pools
    PoolVerdict verdict = PoolVerdict::NotReached;
    bool up = true;                     // a CNAME pool: its check's state
    std::vector<TracedMember> members;  // per policy::Pool::members
  };
  std::vector<Pool> pools;   // in the order they were tried
  std::int32_t chosen = -1;  // the pool answered from; -1 when none could (static data answers)
  bool fail_open = false;
};

struct Trace {
  std::vector<TraceStep> steps;
};

}  // namespace sgdns::engine
