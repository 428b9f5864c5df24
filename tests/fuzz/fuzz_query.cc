// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes as a query, over UDP and TCP, through the whole answer path (and AXFR).
// The first byte picks the transport so one corpus covers both.
#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sgdns/engine/engine.h"
#include "sgdns/zone/zone.h"

using namespace sgdns;

namespace {

const engine::World& world() {
  static const std::unique_ptr<engine::World> w = [] {
    auto out = std::make_unique<engine::World>();
    out->zones.add(zone::Zone::load("example.test.", SGDNS_TEST_DATA "/golden/zones/example.test.zone"));
    out->zones.add(
        zone::Zone::load("child.example.test.", SGDNS_TEST_DATA "/golden/zones/child.example.test.zone"));
    out->options.nsid = "fuzz";
    out->options.axfr_allow = {engine::Prefix{4, {127}, 8}};
    return out;
  }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static engine::Scratch scratch;
  static std::vector<std::uint8_t> out(65535);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer),
                        (data[0] & 1) ? engine::Transport::Tcp : engine::Transport::Udp};
  std::span<std::uint8_t> buffer(out.data(), client.transport == engine::Transport::Udp ? 4096 : out.size());
  engine::Reply reply = engine::answer(world(), {data + 1, size - 1}, client, scratch, buffer);
  if (reply.size > buffer.size()) __builtin_trap();
  if (client.transport == engine::Transport::Udp && reply.size > 4096) __builtin_trap();
  if (reply.outcome == engine::Outcome::Transfer) {
    engine::transfer(world(), client, scratch, [](std::span<const std::uint8_t> m) {
      if (m.size() > 65535) __builtin_trap();
    });
  }
  return 0;
}
