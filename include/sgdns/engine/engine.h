// SPDX-License-Identifier: MIT
// The query path: one received message in, one reply (or nothing) out.
//
//   parse (dns/message) -> find zone (ZoneSet, longest match) -> RFC 1034 4.3.2 lookup (engine/resolve)
//   -> answer plan -> encode (dns/writer, whole RRsets, TC when the answer does not fit) -> EDNS/NSID
//
// Pure: reads only its arguments, writes only `scratch` and `out`; never allocates, locks, logs or reads
// a clock, so every transport and every test calls the same function.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sgdns/dns/message.h"
#include "sgdns/dnssec/signed_zone.h"
#include "sgdns/engine/world.h"

namespace sgdns::engine {

enum class Transport : std::uint8_t { Udp, Tcp };

struct Trace;  // trace.h

struct Client {
  const sockaddr* address = nullptr;  // the peer; may be null in tests
  Transport transport = Transport::Udp;
  /// Largest UDP reply the path to this client can carry unfragmented, when the transport learnt it the
  /// hard way (the kernel refused a larger reply); 0 = no limit beyond EDNS and our own maximum.
  std::uint16_t udp_reply_cap = 0;
  /// Seconds since 1970, for DNS Cookie timestamps: the transport reads the clock (once per batch), so
  /// the engine never does.
  std::uint32_t now = 0;
  /// The TSIG key the query was verified with (answer_signed() sets it), for transfer ACLs and NOTIFY.
  const dns::TsigKey* key = nullptr;
  /// Bytes kept free at the end of a UDP reply for a record the caller appends (answer_signed(): the
  /// TSIG record), so that truncation happens before the client's payload limit, not after it.
  std::uint16_t reserve = 0;
};

enum class Outcome : std::uint8_t {
  Answer,
  NoData,
  NxDomain,
  Referral,
  Refused,
  FormErr,
  NotImp,
  BadVers,
  ServFail,
  Drop,
  Transfer,
  Notify  // a NOTIFY from a zone's primary, answered: the transport tells the secondary side (net)
};

/// Most addresses one dynamic answer may carry (a record's max_answers is checked against it at load).
inline constexpr std::size_t kMaxDynamicAnswers = 16;

/// An RRset chosen by a policy: pre-encoded member RDATA (or one CNAME target), not zone data.
struct DynamicSet {
  std::uint16_t type = 0;
  std::uint16_t count = 0;
  std::uint32_t ttl_cap = 0xffffffffu;  // seconds before a consulted member could change state
  const std::uint8_t* rdata[kMaxDynamicAnswers] = {};
  std::uint16_t rdlen[kMaxDynamicAnswers] = {};
};

/// One RRset chosen for a section: `owner` is written as given (the client's spelling for the query name).
/// Zone data points at `rrset`; a dynamic answer has `rrset == nullptr` and indexes Plan::dynamic.
struct PlanItem {
  const zone::Zone* zone = nullptr;
  const zone::RRset* rrset = nullptr;
  const std::uint8_t* owner = nullptr;
  std::uint32_t ttl = 0;
  std::int8_t dynamic = -1;
  /// Signed zones: the RRset is not the zone's as stored (a wildcard expansion), so it is signed per
  /// answer with the owner it is given under rather than served the load-time signature.
  bool synthesized = false;
  /// Signed zones: never signed (the NS RRset of a delegation belongs to the child, RFC 4035 2.2).
  bool unsigned_data = false;
};

/// Most types one compact-denial NSEC lists; a name with more types has the rest left out of its bitmap.
inline constexpr std::size_t kMaxNsecTypes = 48;

/// The NSEC of a signed negative answer or insecure referral. sgdns denies online and compactly (RFC 9824,
/// "black lies"): the NSEC is owned by the name asked about, its next name is "\000.<name>" so it covers
/// no other name, and its bitmap lists the types the name has (NXNAME when it has none at all).
struct DenialNsec {
  const std::uint8_t* owner = nullptr;   // as written in the reply
  const std::uint8_t* lowner = nullptr;  // lowercase
  std::uint32_t ttl = 0;
  std::uint16_t type_count = 0;
  std::uint16_t types[kMaxNsecTypes] = {};
};

/// The answer decided before anything is encoded (NSD's answer plan): fixed capacity, no allocation.
struct Plan {
  /// CNAME chain limit; gdnsd uses 16, PowerDNS 10. A longer in-zone chain is cut and answered as far as it
  /// got.
  static constexpr std::size_t kMaxChain = 16;
  PlanItem answer[kMaxChain + 1];
  std::size_t answer_count = 0;
  PlanItem authority[2];  // SOA; or NS of a referral and, signed, its DS
  std::size_t authority_count = 0;
  /// DNSSEC: the signed zone when the query set DO, else null (then nothing below is used).
  const dnssec::SignedZone* dnssec = nullptr;
  std::uint32_t now = 0;  // seconds since 1970: signature validity on the query path
  bool has_nsec = false;
  DenialNsec nsec;
  std::uint16_t rcode = 0;
  bool authoritative = true;
  bool glue_required = false;  // referral: in-domain glue that does not fit sets TC (RFC 9471)
  /// A CNAME chain can pass through at most two dynamic names before it is cut.
  DynamicSet dynamic[2];
  std::size_t dynamic_count = 0;
  /// RFC 7871 scope of the answer: the longest prefix that decided any part of it; 0 for static data.
  std::uint8_t ecs_scope = 0;
  /// The first dynamic decision, for metrics: record, client region (geo/nearest) and pool indices.
  std::int32_t record = -1;
  std::int32_t region = -1;
  std::int32_t pool = -1;
  /// That decision failed open: every pool the record could use was down (sgdns_answers_failed_open_total).
  bool failed_open = false;
  std::int8_t located = -1;  // the policy::LocateRule that placed the client (geo/nearest); -1: none
  /// The name response rate limiting counts this answer under (lowercase wire): the query name, or for a
  /// wildcard answer the wildcard's parent, a referral's zone cut, an NXDOMAIN's zone (BIND's choice: a
  /// flood of random names under one wildcard or zone is one flood).
  const std::uint8_t* limit_name = nullptr;
};

/// What the query's DNS Cookie option proved (RFC 7873 section 5.2).
enum class CookieCheck : std::uint8_t {
  None,   // no cookie, or cookies are off
  New,    // a client cookie alone: the reply carries a new server cookie
  Bad,    // a server cookie that is not ours, or has expired: the reply carries a new one
  Valid,  // our server cookie, in time: the client has seen our replies at its address
};

/// Per-thread working memory, reused across queries.
struct Scratch {
  dns::Query query;
  Plan plan;
  /// Weighted choices draw from this xorshift state. It must never be 0 (xorshift stays at 0, so every
  /// draw would pick the first candidate): workers seed it from the kernel's random source, tests fix it.
  std::uint64_t rng = 0x9E3779B97F4A7C15ull;
  std::uint8_t chain_names[Plan::kMaxChain][dns::kMaxNameLen];  // lowercase CNAME targets
  std::uint8_t server_cookie[dns::kServerCookieSize];           // the one the reply carries
  /// When set, each dynamic decision is recorded there (trace.h, for explain); null on the query path.
  Trace* trace = nullptr;
  /// The MAC of a verified TSIG request (answer_signed()), which the reply's signature chains; empty
  /// otherwise. Only signed queries (secondaries) ever fill it.
  std::vector<std::uint8_t> tsig_mac;
};

struct Reply {
  std::size_t size = 0;  // 0 with Outcome::Drop, or Outcome::Transfer (the caller runs transfer())
  Outcome outcome = Outcome::Drop;
  std::uint16_t rcode = 0;
  /// For metrics: the dynamic record answered (-1: none), the client's region and the pool chosen.
  std::int32_t record = -1;
  std::int32_t region = -1;
  std::int32_t pool = -1;
  std::int8_t located = -1;  // the policy::LocateRule that placed the client; -1: no geo or nearest answer
  CookieCheck cookie = CookieCheck::None;
  /// For metrics: the record's answer failed open (see Plan::failed_open).
  bool failed_open = false;
  /// For rate limiting: see Plan::limit_name; null for errors (counted per client network alone).
  const std::uint8_t* limit_name = nullptr;
};

/// Answers `pkt` into `out`. Over UDP `out` needs 4096 bytes at least, over TCP 65535.
[[nodiscard]] Reply answer(const World& world, std::span<const std::uint8_t> pkt, const Client& client,
                           Scratch& scratch, std::span<std::uint8_t> out) noexcept;

/// The reply a rate-limited UDP query gets when it "slips" (rrl.slip): header and question only, with TC
/// set so that a real resolver retries over TCP. A client that sent a client cookie but no valid server
/// cookie gets BADCOOKIE with a fresh server cookie instead (RFC 7873 section 5.2.3 allows it "based on
/// server policy, including rate limiting"): it retries over UDP with that cookie and is no longer
/// limited. `reply` is what answer() returned for the query still in `scratch`.
[[nodiscard]] Reply slip_reply(const World& world, const Scratch& scratch, const Reply& reply,
                               std::span<std::uint8_t> out) noexcept;

/// Answers a query that carries a TSIG record (Scratch::query.has_tsig after answer()): verifies it
/// against the World's keys (RFC 8945 section 5.2), answers it knowing the key, and signs the reply.
/// A bad signature, an unknown key or a clock too far off gets NOTAUTH with the TSIG error (BADSIG,
/// BADKEY, BADTIME), unsigned except BADTIME. Over TCP an AXFR/IXFR returns Outcome::Transfer with the
/// key in `client.key` and the request MAC in `scratch.tsig_mac`, for TransferStream. Allocates: it is
/// never on the path of unsigned queries.
[[nodiscard]] Reply answer_signed(const World& world, std::span<const std::uint8_t> pkt, Client& client,
                                  Scratch& scratch, std::span<std::uint8_t> out, std::uint64_t now);

/// A zone transfer (AXFR, RFC 5936; IXFR from the journal, RFC 1995) produced one message at a time, as
/// the transport can take it: no whole-zone buffer. It holds the zone version and journal it started
/// from, so a reload meanwhile neither waits for it nor changes it. Refusals are one REFUSED message.
class TransferStream {
 public:
  /// For the AXFR/IXFR query left in `scratch` by answer() (or answer_signed()) returning
  /// Outcome::Transfer. Logs the transfer (who, which zone, which kind).
  TransferStream(const World& world, const Client& client, const Scratch& scratch);
  ~TransferStream();
  TransferStream(const TransferStream&) = delete;
  TransferStream& operator=(const TransferStream&) = delete;

  /// Writes the next message into `out` (at least 65535 bytes) and returns its size; 0 once every
  /// message has been produced.
  [[nodiscard]] std::size_t next(std::span<std::uint8_t> out, std::uint64_t now);
  [[nodiscard]] bool done() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

/// True when `client` may transfer `zone`: the zone's own transfer rules (address and key) when it has
/// any, else the global allow list by address.
[[nodiscard]] bool transfer_allowed(const World& world, const zone::Zone& zone, const Client& client);

}  // namespace sgdns::engine
