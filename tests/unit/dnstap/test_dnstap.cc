// SPDX-License-Identifier: MIT
// dnstap frames decoded back with the schema, the `extra` text from a real World, and 1-in-N sampling.
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "dnstap.pb-c.h"
#include "sgdns/config/config.h"
#include "sgdns/dnstap/sink.h"
#include "sgdns/world/build.h"

using namespace sgdns;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::span<const std::uint8_t> text_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text(const ProtobufCBinaryData& b) {
  return std::string(reinterpret_cast<const char*>(b.data), b.len);
}

std::shared_ptr<engine::World> geo_world() {
  config::Config c = config::load_config_file(SGDNS_TEST_DATA "/golden/configs/geo.json");
  c.zones.push_back({"example.test.", SGDNS_TEST_DATA "/golden/zones/example.test.zone"});
  return world::build_world(c, 1);
}

}  // namespace

TEST_CASE("a dnstap frame decodes to what was logged", "[dnstap]") {
  const Bytes query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
  Bytes response = query;
  response[2] = 0x84;
  sockaddr_in6 peer{};
  peer.sin6_family = AF_INET6;
  peer.sin6_port = htons(5353);
  peer.sin6_addr.s6_addr[15] = 1;
  dnstap::Event e{query, response, reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Tcp, 0, 1};
  const std::string extra = "region=eu-west pool=edge-eu";
  std::vector<std::uint8_t> out(dnstap::kMaxFrame);
  for (bool is_response : {false, true}) {
    INFO((is_response ? "AUTH_RESPONSE" : "AUTH_QUERY"));
    const std::size_t n =
        dnstap::encode_frame(e, is_response, text_bytes("ns1"), text_bytes(extra), 1'700'000'000, 42, out);
    REQUIRE(n > 0);
    Dnstap__Dnstap* d = dnstap__dnstap__unpack(nullptr, n, out.data());
    REQUIRE(d != nullptr);
    REQUIRE(d->message != nullptr);
    const Dnstap__Message& m = *d->message;
    CHECK(text(d->identity) == "ns1");
    CHECK(text(d->version) == "sgdns");
    CHECK(text(d->extra) == extra);
    CHECK(m.type == (is_response ? DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE : DNSTAP__MESSAGE__TYPE__AUTH_QUERY));
    CHECK(m.socket_family == DNSTAP__SOCKET_FAMILY__INET6);
    CHECK(m.socket_protocol == DNSTAP__SOCKET_PROTOCOL__TCP);
    CHECK(Bytes(m.query_address.data, m.query_address.data + m.query_address.len) ==
          Bytes(peer.sin6_addr.s6_addr, peer.sin6_addr.s6_addr + 16));
    CHECK(m.query_port == 5353);
    CHECK(m.query_time_sec == 1'700'000'000);
    CHECK(m.query_time_nsec == 42);
    const Bytes& expected = is_response ? response : query;
    const ProtobufCBinaryData& got = is_response ? m.response_message : m.query_message;
    CHECK(Bytes(got.data, got.data + got.len) == expected);
    CHECK(static_cast<bool>(m.has_query_message) == !is_response);
    CHECK(static_cast<bool>(m.has_response_message) == is_response);
    CHECK(static_cast<bool>(m.has_response_time_sec) == is_response);
    dnstap__dnstap__free_unpacked(d, nullptr);
  }
  // No identity, no extra: neither field is present.
  const std::size_t n = dnstap::encode_frame(e, false, {}, {}, 1, 0, out);
  Dnstap__Dnstap* d = dnstap__dnstap__unpack(nullptr, n, out.data());
  REQUIRE(d != nullptr);
  CHECK_FALSE(d->has_identity);
  CHECK_FALSE(d->has_extra);
  dnstap__dnstap__free_unpacked(d, nullptr);
}

TEST_CASE("a frame too large for the buffer is refused, not cut", "[dnstap]") {
  const Bytes query(600, 0);
  dnstap::Event e{query, {}, nullptr, engine::Transport::Udp, -1, -1};
  std::vector<std::uint8_t> out(512);
  CHECK(dnstap::encode_frame(e, false, {}, {}, 1, 0, out) == 0);
  out.resize(700);
  CHECK(dnstap::encode_frame(e, false, {}, {}, 1, 0, out) > 600);
}

TEST_CASE("extra names the region and the pool from the World that answered", "[dnstap]") {
  auto world = geo_world();
  const auto& p = *world->policy;
  const std::int32_t region = p.region_index("eu-west");
  const std::int32_t pool = p.pool_index("edge-eu");
  REQUIRE(region >= 0);
  REQUIRE(pool >= 0);
  std::uint8_t out[256];
  auto extra = [&](std::int32_t r, std::int32_t q) {
    dnstap::Event e;
    e.region = r;
    e.pool = q;
    return std::string(reinterpret_cast<const char*>(out), dnstap::extra_text(*world, e, out));
  };
  CHECK(extra(region, pool) == "region=eu-west pool=edge-eu");
  CHECK(extra(-1, pool) == "pool=edge-eu");  // a weighted record: no client region
  CHECK(extra(region, -1) == "region=eu-west");
  CHECK(extra(-1, -1).empty());  // static data
  CHECK(extra(100000, 100000).empty());
  engine::World bare;  // no policy at all
  dnstap::Event e;
  e.region = 0;
  e.pool = 0;
  CHECK(dnstap::extra_text(bare, e, out) == 0);
  std::uint8_t tiny[10];
  dnstap::Event both{{}, {}, nullptr, engine::Transport::Udp, region, pool};
  CHECK(dnstap::extra_text(*world, both, tiny) == 0);  // neither fits: left out, never cut
}

TEST_CASE("sampling logs one query in N, with its response; every frame is accounted for", "[dnstap]") {
  auto world = geo_world();
  dnstap::Settings s;
  s.socket = "/nonexistent/sgdns-unit-test.sock";  // nobody listens: fstrm discards, the count is ours
  s.sample = 4;
  dnstap::Sink sink(s, 2);
  const Bytes query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
  const Bytes response = query;
  dnstap::Producer& first = sink.producer(0);
  dnstap::Producer& second = sink.producer(1);
  for (int i = 0; i < 100; ++i) {
    first.log(*world, {query, response, nullptr, engine::Transport::Udp, -1, -1});
    second.log(*world, {query, {}, nullptr, engine::Transport::Udp, -1, -1});  // nothing was sent back
  }
  // Sent or dropped (fstrm's thread may not keep up with a tight loop), but never lost or doubled.
  CHECK(first.sent() + first.dropped() == 50);  // 25 queries and their 25 responses
  CHECK(second.sent() + second.dropped() == 25);
  CHECK(sink.sent() + sink.dropped() == 75);
  // An empty datagram is no query: neither logged nor counted towards the sample.
  for (int i = 0; i < 8; ++i) first.log(*world, {{}, {}, nullptr, engine::Transport::Udp, -1, -1});
  CHECK(first.sent() + first.dropped() == 50);
  CHECK(sink.sent() > 0);
}
