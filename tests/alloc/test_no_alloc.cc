// SPDX-License-Identifier: MIT
// Proves the query path allocates nothing: counts every operator new across 100k answered queries of a
// varied mix (answers, CNAME chains, wildcards, referrals, negatives, truncation, EDNS, NSID, CHAOS).
// Its own binary because it replaces the global allocator, which sanitizers also want to own.
#include <netinet/in.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/engine/engine.h"
#include "sgdns/zone/zone.h"

namespace {
std::atomic<long> g_allocations{0};
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

std::vector<std::uint8_t> query(const char* name, std::uint16_t type, bool edns, bool nsid,
                                std::uint16_t qclass = 1) {
  std::vector<std::uint8_t> v = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(edns)};
  auto wire = dns::name_from_text(name);
  v.insert(v.end(), wire.begin(), wire.end());
  v.insert(v.end(), {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0,
                     static_cast<std::uint8_t>(qclass)});
  if (edns) {
    v.insert(v.end(), {0, 0, 41, 4, 208, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(nsid ? 4 : 0)});
    if (nsid) v.insert(v.end(), {0, 3, 0, 0});
  }
  return v;
}

}  // namespace

int main() {
  engine::World world;
  world.zones.add(zone::Zone::load("example.test.", SGDNS_TEST_DATA "/golden/zones/example.test.zone"));
  world.options.nsid = "alloc-test";
  std::vector<std::vector<std::uint8_t>> mix = {
      query("www.example.test.", 1, true, false),      query("WWW.example.test.", 28, false, false),
      query("alias2.example.test.", 1, true, true),    query("foo.wild.example.test.", 16, true, false),
      query("host.sub.example.test.", 1, true, false), query("nothere.example.test.", 1, true, false),
      query("www.example.test.", 15, false, false),    query("big.example.test.", 16, false, false),
      query("example.test.", 2, true, false),          query("_sip._tcp.example.test.", 33, true, false),
      query("version.bind.", 16, true, false, 3),      query("www.example.org.", 1, true, false),
      query("loop1.example.test.", 1, true, false),    query("example.test.", 255, true, false)};
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(4096);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Udp};
  std::size_t answered = 0;
  for (const auto& q : mix) answered += engine::answer(world, q, client, scratch, out).size > 0;  // warm-up
  long before = g_allocations.load();
  for (int i = 0; i < 100'000; ++i) {
    answered +=
        engine::answer(world, mix[static_cast<std::size_t>(i) % mix.size()], client, scratch, out).size > 0;
  }
  long allocations = g_allocations.load() - before;
  std::printf("%zu queries answered, %ld allocations on the query path\n", answered, allocations);
  bool ok = allocations == 0 && answered == 100'000 + mix.size();
  std::printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
