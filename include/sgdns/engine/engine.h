// SPDX-License-Identifier: MIT
// The query path: one received message in, one reply (or nothing) out.
//
//   parse (dns/message) -> find zone (ZoneSet, longest match) -> RFC 1034 4.3.2 lookup (engine/lookup)
//   -> answer plan -> encode (dns/writer, whole RRsets, TC when the answer does not fit) -> EDNS/NSID
//
// Pure: reads only its arguments, writes only `scratch` and `out`; never allocates, locks, logs or reads
// a clock, so every transport and every test calls the same function.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "sgdns/dns/message.h"
#include "sgdns/engine/world.h"

namespace sgdns::engine {

enum class Transport : std::uint8_t { Udp, Tcp };

struct Client {
  const sockaddr* address = nullptr;  // the peer; may be null in tests
  Transport transport = Transport::Udp;
};

enum class Outcome : std::uint8_t {
  Answer, NoData, NxDomain, Referral, Refused, FormErr, NotImp, BadVers, ServFail, Drop, Transfer
};

/// Per-thread working memory, reused across queries.
struct Scratch {
  dns::Query query;
};

struct Reply {
  std::size_t size = 0;  // 0 with Outcome::Drop, or Outcome::Transfer (the caller runs transfer())
  Outcome outcome = Outcome::Drop;
  std::uint16_t rcode = 0;
};

/// Answers `pkt` into `out`. Over UDP `out` needs 4096 bytes at least, over TCP 65535.
[[nodiscard]] Reply answer(const World& world, std::span<const std::uint8_t> pkt, const Client& client,
                           Scratch& scratch, std::span<std::uint8_t> out) noexcept;

/// Zone transfer (RFC 5936) for the AXFR/IXFR query left in `scratch.query` by answer() returning
/// Outcome::Transfer: emits the SOA, every RRset, the SOA again, packed into messages of at most 65535
/// bytes handed one at a time to `emit`. Refuses (one REFUSED message) when the client is not allowed or
/// the name is not a served zone's origin.
void transfer(const World& world, const Client& client, const Scratch& scratch,
              const std::function<void(std::span<const std::uint8_t>)>& emit);

}  // namespace sgdns::engine
