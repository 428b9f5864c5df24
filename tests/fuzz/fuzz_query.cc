// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes as a query, over UDP and TCP, through the whole answer path (and AXFR).
// The world has static zones (example.test. signed) and the golden geo policy (GeoIP maps, every policy
// kind, ECS trusted from everyone), so dynamic and signed answers are fuzzed as static ones are. The first
// byte picks the transport (bit 0) and which members are down (the other bits), so one corpus covers both
// transports and failover.
#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/engine/engine.h"
#include "sgdns/world/build.h"

using namespace sgdns;

namespace {

engine::World& fuzz_world() {
  static const std::shared_ptr<engine::World> w = [] {
    config::Config c = config::load_config_file(SGDNS_TEST_DATA "/golden/configs/geo.json");
    c.zones.push_back({"example.test.", SGDNS_TEST_DATA "/golden/zones/example.test.zone"});
    // Signed, so that queries with DO reach RRSIGs, compact denial (and CO), the signature cache, and an
    // AXFR with the NSEC chain; without DO the same zone is answered as an unsigned one.
    c.zones.back().keys = {{SGDNS_TEST_DATA "/data/dnssec/Kexample.test.+013+63988", dnssec::KeyRole::Csk}};
    c.zones.push_back({"child.example.test.", SGDNS_TEST_DATA "/golden/zones/child.example.test.zone"});
    c.options.nsid = "fuzz";
    c.options.axfr_allow = {dns::Prefix{4, {127}, 8}};
    return sgdns::world::build_world(c, 1);
  }();
  return *w;
}

/// Members whose bit is set in `pattern` are down (a pattern of 0 leaves everything up).
void set_health(engine::World& w, std::uint8_t pattern) {
  for (std::uint32_t id = 0; id < w.health->size(); ++id) w.health->set_up(id, !((pattern >> (id % 7)) & 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  set_health(fuzz_world(), static_cast<std::uint8_t>(data[0] >> 1));
  static engine::Scratch scratch;
  static std::vector<std::uint8_t> out(65535);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer),
                        (data[0] & 1) ? engine::Transport::Tcp : engine::Transport::Udp};
  std::span<std::uint8_t> buffer(out.data(), client.transport == engine::Transport::Udp ? 4096 : out.size());
  engine::Reply reply = engine::answer(fuzz_world(), {data + 1, size - 1}, client, scratch, buffer);
  // Signed queries and NOTIFY: the TSIG record is found and checked (dns/tsig.cc) before answering.
  if (scratch.query.has_tsig)
    reply = engine::answer_signed(fuzz_world(), {data + 1, size - 1}, client, scratch, buffer, 1'700'000'000);
  if (reply.size > buffer.size()) __builtin_trap();
  if (client.transport == engine::Transport::Udp && reply.size > 4096) __builtin_trap();
  if (reply.outcome == engine::Outcome::Transfer) {
    engine::TransferStream stream(fuzz_world(), client, scratch);
    while (const std::size_t n = stream.next(out, 0))
      if (n > 65535) __builtin_trap();
  }
  return 0;
}
