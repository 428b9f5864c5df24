// SPDX-License-Identifier: MIT
// Proves the query path allocates nothing: counts every operator new across 100k answered queries of a
// varied mix (answers, CNAME chains, wildcards, referrals, negatives, truncation, EDNS, NSID, CHAOS, DNS
// Cookies) and dynamic answers of every policy kind with and without EDNS Client Subnet, some members
// down; each reply passed through the UDP rate limiter as the workers do (sent, dropped, slipped, logged),
// then logged by dnstap (every query sampled, both message types) as the workers do when it is on. C
// libraries (protobuf-c, fstrm) allocate with malloc, not new: malloc is counted too, across dnstap's
// part. (Not across the rest: the rate limiter's rare log line formats its time with gmtime_r, and glibc's
// tzset behind it strdup()s the zone file's name.)
// Its own binary because it replaces the global allocator, which sanitizers also want to own.
#include <netinet/in.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/dns/name.h"
#include "sgdns/dnssec/signature_cache.h"
#include "sgdns/dnstap/sink.h"
#include "sgdns/engine/engine.h"
#include "sgdns/net/rate_limit.h"
#include "sgdns/util/log.h"
#include "sgdns/world/build.h"

namespace {
std::atomic<long> g_allocations{0};
/// malloc family calls made by this thread (fstrm's I/O thread allocates as it likes; the query path not).
thread_local long t_mallocs = 0;
/// malloc family calls made while dnstap logged a query.
long g_dnstap_mallocs = 0;
}  // namespace

// glibc's documented way to replace malloc: define malloc, free, calloc and realloc; these count and
// forward to glibc's own.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
  ++t_mallocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  ++t_mallocs;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  ++t_mallocs;
  return __libc_realloc(p, n);
}
void free(void* p) {
  __libc_free(p);
}
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

using namespace sgdns;

namespace {

/// A query; `ecs` is an RFC 7871 option body (family, source length, scope 0, address bytes) or empty;
/// `cookie` adds an RFC 7873 client cookie.
std::vector<std::uint8_t> query(const char* name, std::uint16_t type, bool edns, bool nsid,
                                std::uint16_t qclass = 1, std::vector<std::uint8_t> ecs = {},
                                bool cookie = false, bool dnssec_ok = false, bool compact_ok = false) {
  std::vector<std::uint8_t> v = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(edns)};
  auto wire = dns::name_from_text(name);
  v.insert(v.end(), wire.begin(), wire.end());
  v.insert(v.end(), {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0,
                     static_cast<std::uint8_t>(qclass)});
  if (edns) {
    std::size_t options = (nsid ? 4 : 0) + (ecs.empty() ? 0 : 4 + ecs.size()) + (cookie ? 12 : 0);
    // OPT flags: DO (RFC 3225), CO (RFC 9824 5.1).
    const auto flags = static_cast<std::uint8_t>((dnssec_ok ? 0x80 : 0) | (compact_ok ? 0x40 : 0));
    v.insert(v.end(), {0, 0, 41, 4, 208, 0, 0, flags, 0, 0, static_cast<std::uint8_t>(options)});
    if (nsid) v.insert(v.end(), {0, 3, 0, 0});
    if (!ecs.empty()) {
      v.insert(v.end(), {0, 8, 0, static_cast<std::uint8_t>(ecs.size())});
      v.insert(v.end(), ecs.begin(), ecs.end());
    }
    if (cookie) v.insert(v.end(), {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
  }
  return v;
}

std::vector<std::uint8_t> ecs4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t length) {
  return {0, 1, length, 0, a, b, c};
}

/// The same mix with DO set against signed copies of the zones, once the signature cache is warm: static
/// signatures come from the load-time table, dynamic answers and compact-denial NSECs from the cache (two
/// negative queries also set CO: NXDOMAIN). Returns true when it allocated nothing and made no signature
/// while measured.
bool signed_path_allocates_nothing(config::Config config, const std::vector<std::vector<std::uint8_t>>& mix,
                                   engine::Client client) {
  for (auto& z : config.zones) {
    const std::string key =
        z.origin == "example.test." ? "Kexample.test.+013+63988" : "Kgeo.example.test.+013+56368";
    z.keys.push_back({SGDNS_TEST_DATA "/data/dnssec/" + key, dnssec::KeyRole::Csk, true});
  }
  std::shared_ptr<engine::World> world = world::build_world(config, 2);
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(4096);
  std::size_t signed_replies = 0, signed_nxdomain = 0;
  auto one = [&](const std::vector<std::uint8_t>& q) {
    engine::Reply r = engine::answer(*world, q, client, scratch, out);
    // An RRSIG's type code in the reply: 0x00 0x2e followed by class IN (0x00 0x01).
    for (std::size_t i = 12; i + 4 <= r.size; ++i) {
      if (out[i] == 0 && out[i + 1] == 46 && out[i + 2] == 0 && out[i + 3] == 1) {
        ++signed_replies;
        signed_nxdomain += (out[3] & 0x0f) == 3;  // compact denial with CO: NXDOMAIN, signed
        break;
      }
    }
  };
  // Warm-up: weighted and multivalue answers draw different member sets, so go round several times.
  for (int i = 0; i < 200; ++i) {
    for (const auto& q : mix) one(q);
  }
  auto online = [&] {
    std::uint64_t n = 0;
    for (const auto& z : world->signed_zones) n += z->online_signatures();
    return n;
  };
  const std::uint64_t warm_signatures = online();
  signed_replies = signed_nxdomain = 0;
  const long before = g_allocations.load();
  const long mallocs_before = t_mallocs;  // C libraries too (libsodium's SipHash, OpenSSL on a miss)
  for (int i = 0; i < 100'000; ++i) one(mix[static_cast<std::size_t>(i) % mix.size()]);
  const long allocations = g_allocations.load() - before;
  const long mallocs = t_mallocs - mallocs_before - allocations;  // operator new calls malloc as well
  const std::uint64_t misses = online() - warm_signatures;
  std::printf(
      "signed (DO): %zu of 100000 replies carry RRSIGs (%zu NXDOMAIN for DO+CO), %ld allocations, %ld other "
      "malloc calls, %llu signatures made (%llu during warm-up), cache entries of %zu bytes\n",
      signed_replies, signed_nxdomain, allocations, mallocs, static_cast<unsigned long long>(misses),
      static_cast<unsigned long long>(warm_signatures), dnssec::SignatureCache::bytes_per_entry());
  return allocations == 0 && mallocs == 0 && misses == 0 && warm_signatures > 0 && signed_replies > 50'000 &&
         signed_nxdomain > 0;
}

}  // namespace

int main() {
  // Before anything else logs: a query thread may be the first to write a line (an RRL event).
  const long mallocs_before_log = t_mallocs;
  log::write(log::Level::Info, "alloc test: the first log line of the process allocates nothing");
  const long log_mallocs = t_mallocs - mallocs_before_log;
  std::printf("first log line: %ld malloc calls\n", log_mallocs);
  config::Config config = config::load_config_file(SGDNS_TEST_DATA "/golden/configs/geo.json");
  config.zones.push_back({"example.test.", SGDNS_TEST_DATA "/golden/zones/example.test.zone"});
  config.options.nsid = "alloc-test";
  config.options.rrl.rate = 100;  // the mix below asks ~400 a second per name: most replies are limited
  std::shared_ptr<engine::World> built = world::build_world(config, 1);
  engine::World& world = *built;
  // Every other member down: answers come from live members, fallback regions and fail-open alike.
  for (std::uint32_t id = 0; id < world.health->size(); id += 2) world.health->set_up(id, false);
  // And both of origin's pools, so its answers fail open (and are counted so: the counters run too).
  for (const char* name : {"primary", "standby"}) {
    const auto index = static_cast<std::size_t>(world.policy->pool_index(name));
    for (const auto& m : world.policy->pools[index].members) world.health->set_up(m.health_id, false);
  }
  const std::vector<std::uint8_t> ecs6 = {0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0x53, 0x47};
  std::vector<std::vector<std::uint8_t>> mix = {
      query("www.example.test.", 1, true, false), query("WWW.example.test.", 28, false, false),
      query("alias2.example.test.", 1, true, true), query("foo.wild.example.test.", 16, true, false),
      query("host.sub.example.test.", 1, true, false), query("nothere.example.test.", 1, true, false),
      query("www.example.test.", 15, false, false), query("big.example.test.", 16, false, false),
      query("example.test.", 2, true, false), query("_sip._tcp.example.test.", 33, true, false),
      query("version.bind.", 16, true, false, 3), query("www.example.org.", 1, true, false),
      query("loop1.example.test.", 1, true, false), query("example.test.", 255, true, false),
      // Dynamic names: ECS from Frankfurt, Singapore, loopback (us-west cidr), IPv6, and none at all.
      query("www.geo.example.test.", 1, true, false, 1, ecs4(192, 0, 2, 24)),
      query("www.geo.example.test.", 28, true, true, 1, ecs4(203, 0, 113, 24)),
      query("www.geo.example.test.", 1, true, false, 1, ecs6),
      query("www.geo.example.test.", 1, false, false),
      query("near.geo.example.test.", 1, true, false, 1, ecs4(127, 0, 7, 24)),
      query("split.geo.example.test.", 1, true, false, 1, ecs4(198, 51, 100, 24)),
      query("origin.geo.example.test.", 1, true, false), query("closed.geo.example.test.", 1, true, false),
      query("all.geo.example.test.", 1, true, false, 1, ecs4(192, 0, 2, 20)),
      query("v4only.geo.example.test.", 28, true, false, 1, ecs4(192, 0, 2, 24)),
      query("www.example.test.", 1, true, true, 1, {}, true)};
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(4096);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Udp};
  client.now = 1'700'000'000;
  // dnstap on, every query: no collector listens, so fstrm's thread discards the frames, but the query
  // path (sample, pack, enqueue) is the same as when one does.
  dnstap::Settings tap;
  tap.socket = "/nonexistent/sgdns-alloc-test.sock";
  tap.identity = "alloc-test";
  dnstap::Sink sink(tap, 1);
  dnstap::Producer& producer = sink.producer(0);
  rrl::Limiter limiter(world.options.rrl.table_size);
  rrl::WorkerState state;
  static metrics::WorkerCounters counters;
  std::size_t answered = 0, dynamic = 0, sent = 0, failed_open = 0;
  std::uint64_t now_us = 1'000'000;
  auto one = [&](const std::vector<std::uint8_t>& q) {
    engine::Reply r = engine::answer(world, q, client, scratch, out);
    answered += r.size > 0;
    dynamic += r.record >= 0;
    failed_open += r.failed_open;
    counters.count(0, scratch.query, r, r.size == 0);  // what the UDP worker counts, fail-open included
    r = net::limit_udp_reply(world, limiter, state, scratch, r, client.address, now_us, out, &counters);
    sent += r.size > 0;
    const long mallocs = t_mallocs;
    producer.log(world, {q, {out.data(), r.size}, client.address, engine::Transport::Udp, r.region, r.pool});
    g_dnstap_mallocs += t_mallocs - mallocs;
    now_us += 100;  // 10,000 queries a second
  };
  for (const auto& q : mix) one(q);  // warm-up
  answered = dynamic = sent = failed_open = 0;
  long before = g_allocations.load();
  const long mallocs_before = g_dnstap_mallocs;
  const std::uint64_t frames_before = producer.sent() + producer.dropped();
  for (int i = 0; i < 100'000; ++i) one(mix[static_cast<std::size_t>(i) % mix.size()]);
  long allocations = g_allocations.load() - before;
  const long mallocs = g_dnstap_mallocs - mallocs_before;
  const std::uint64_t frames = producer.sent() + producer.dropped() - frames_before;
  std::uint64_t slipped = 0, dropped = 0;
  for (std::size_t k = 0; k < metrics::kRrlKinds; ++k) {
    slipped += counters.rrl_slipped[k].load();
    dropped += counters.rrl_dropped[k].load();
  }
  std::printf("%zu queries answered (%zu by a policy, %zu failed open), %ld allocations on the query path\n",
              answered, dynamic, failed_open, allocations);
  std::printf("rate limiting: %zu replies sent, %llu slipped, %llu dropped\n", sent,
              static_cast<unsigned long long>(slipped), static_cast<unsigned long long>(dropped));
  std::printf("dnstap: %llu frames (%llu handed to fstrm), %ld malloc calls while logging\n",
              static_cast<unsigned long long>(frames), static_cast<unsigned long long>(producer.sent()),
              mallocs);
  // Every query gives a query frame, and a response frame unless rate limiting dropped its reply.
  bool ok = allocations == 0 && mallocs == 0 && log_mallocs == 0 && answered == 100'000 && dynamic > 0 &&
            failed_open > 0 && slipped > 0 && dropped > 0 && frames >= 100'000 + sent && producer.sent() > 0;
  std::vector<std::vector<std::uint8_t>> signed_mix = {
      query("www.example.test.", 1, true, false, 1, {}, false, true),
      query("foo.wild.example.test.", 16, true, false, 1, {}, false, true),
      query("host.sub.example.test.", 1, true, false, 1, {}, false, true),
      query("nothere.example.test.", 1, true, false, 1, {}, false, true),
      query("www.example.test.", 15, true, false, 1, {}, false, true),
      query("example.test.", 48, true, false, 1, {}, false, true),
      query("alias2.example.test.", 1, true, true, 1, {}, false, true),
      query("www.geo.example.test.", 1, true, false, 1, ecs4(192, 0, 2, 24), false, true),
      query("www.geo.example.test.", 28, true, false, 1, ecs4(203, 0, 113, 24), false, true),
      query("www.geo.example.test.", 1, true, false, 1, ecs6, false, true),
      query("split.geo.example.test.", 1, true, false, 1, ecs4(198, 51, 100, 24), false, true),
      query("near.geo.example.test.", 1, true, false, 1, ecs4(127, 0, 7, 24), false, true),
      query("nothere.geo.example.test.", 1, true, false, 1, {}, false, true),
      // Compact Answers OK: the same denial with NXDOMAIN (RFC 9824 5.1).
      query("nothere.example.test.", 1, true, false, 1, {}, false, true, true),
      query("nothere.geo.example.test.", 28, true, false, 1, {}, false, true, true)};
  ok = signed_path_allocates_nothing(config, signed_mix, client) && ok;
  std::printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
