// SPDX-License-Identifier: MIT
// Test helpers: a World from zone text, a query builder, and replies decoded by ldns.
#pragma once
// <stdbool.h> must come before ldns, or ldns defines a bool macro that breaks <optional>.
#include <stdbool.h>

#include <ldns/ldns.h>
#include <netinet/in.h>

#include <memory>
#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/engine/engine.h"
#include "sgdns/zone/zone.h"

namespace sgdns::test {

inline std::shared_ptr<const zone::Zone> zone_from_text(const std::string& origin, const std::string& text) {
  return zone::Zone::build(origin, zone::read_master_text(text, "test.zone", origin));
}

inline std::vector<std::uint8_t> make_query(const std::string& name, std::uint16_t qtype, bool edns = true,
                                            std::uint16_t payload = 1232, std::uint16_t id = 1) {
  std::vector<std::uint8_t> v = {
      static_cast<std::uint8_t>(id >> 8),     static_cast<std::uint8_t>(id), 0, 0, 0, 1, 0, 0, 0, 0, 0,
      static_cast<std::uint8_t>(edns ? 1 : 0)};
  auto wire = dns::name_from_text(name);
  v.insert(v.end(), wire.begin(), wire.end());
  v.insert(v.end(), {static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1});
  if (edns)
    v.insert(v.end(), {0, 0, 41, static_cast<std::uint8_t>(payload >> 8), static_cast<std::uint8_t>(payload),
                       0, 0, 0, 0, 0, 0});
  return v;
}

/// Owns a decoded reply.
struct Decoded {
  std::unique_ptr<ldns_pkt, void (*)(ldns_pkt*)> pkt{nullptr, ldns_pkt_free};
  std::size_t size = 0;
  engine::Outcome outcome = engine::Outcome::Drop;
  [[nodiscard]] ldns_pkt* get() const { return pkt.get(); }
  [[nodiscard]] std::size_t answer_count() const { return ldns_pkt_ancount(pkt.get()); }
  [[nodiscard]] std::size_t authority_count() const { return ldns_pkt_nscount(pkt.get()); }
  [[nodiscard]] int rcode() const { return ldns_pkt_get_rcode(pkt.get()); }
  [[nodiscard]] std::string answer_text() const {
    char* s = ldns_rr_list2str(ldns_pkt_answer(pkt.get()));
    std::string out = s;
    free(s);
    return out;
  }
};

/// 127.0.0.1, the client address the engine tests ask from (static: a Client keeps a pointer to it).
inline const sockaddr* loopback_peer() {
  static const sockaddr_in peer = [] {
    sockaddr_in p{};
    p.sin_family = AF_INET;
    p.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return p;
  }();
  return reinterpret_cast<const sockaddr*>(&peer);
}

inline Decoded ask(const engine::World& world, const std::vector<std::uint8_t>& query,
                   engine::Transport transport = engine::Transport::Udp) {
  static engine::Scratch scratch;
  std::vector<std::uint8_t> out(65535);
  engine::Reply r = engine::answer(world, query, {loopback_peer(), transport}, scratch, out);
  Decoded d;
  d.size = r.size;
  d.outcome = r.outcome;
  if (r.size) {
    ldns_pkt* p = nullptr;
    if (ldns_wire2pkt(&p, out.data(), r.size) == LDNS_STATUS_OK) d.pkt.reset(p);
  }
  return d;
}

}  // namespace sgdns::test
