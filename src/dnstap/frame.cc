// SPDX-License-Identifier: MIT
// One Dnstap protobuf frame, packed into a caller's buffer (protobuf-c packs without allocating).
#include <netinet/in.h>

#include <cstring>
#include <string_view>

#include "dnstap.pb-c.h"
#include "sgdns/dnstap/sink.h"

namespace sgdns::dnstap {
namespace {

/// The server's name for itself in the Dnstap `version` field.
constexpr std::string_view kVersion = "sgdns";

ProtobufCBinaryData bytes(std::span<const std::uint8_t> b) noexcept {
  // protobuf-c only reads the bytes it packs; its struct has no const member.
  return {b.size(), const_cast<std::uint8_t*>(b.data())};
}

/// The client's address and port, as dnstap wants them (network byte order address, host order port).
void set_peer(Dnstap__Message& m, const sockaddr* peer) noexcept {
  if (!peer) return;
  if (peer->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    m.has_socket_family = 1;
    m.socket_family = DNSTAP__SOCKET_FAMILY__INET;
    m.has_query_address = 1;
    m.query_address = {4, reinterpret_cast<std::uint8_t*>(const_cast<in_addr*>(&in->sin_addr))};
    m.has_query_port = 1;
    m.query_port = ntohs(in->sin_port);
  } else if (peer->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    m.has_socket_family = 1;
    m.socket_family = DNSTAP__SOCKET_FAMILY__INET6;
    m.has_query_address = 1;
    m.query_address = {16, const_cast<std::uint8_t*>(in6->sin6_addr.s6_addr)};
    m.has_query_port = 1;
    m.query_port = ntohs(in6->sin6_port);
  }
}

/// Appends `key=value` (with a space before it unless first); false, writing nothing, when it does not fit.
bool append(std::span<std::uint8_t> out, std::size_t& at, std::string_view key, std::string_view value) {
  const std::size_t need = (at ? 1 : 0) + key.size() + 1 + value.size();
  if (need > out.size() - at) return false;
  if (at) out[at++] = ' ';
  std::memcpy(out.data() + at, key.data(), key.size());
  at += key.size();
  out[at++] = '=';
  std::memcpy(out.data() + at, value.data(), value.size());
  at += value.size();
  return true;
}

}  // namespace

std::size_t extra_text(const engine::World& world, const Event& e, std::span<std::uint8_t> out) noexcept {
  const policy::Policy* p = world.policy.get();
  if (!p) return 0;
  std::size_t at = 0;
  if (e.region >= 0 && static_cast<std::size_t>(e.region) < p->regions.size())
    append(out, at, "region", p->regions[static_cast<std::size_t>(e.region)].name);
  if (e.pool >= 0 && static_cast<std::size_t>(e.pool) < p->pools.size())
    append(out, at, "pool", p->pools[static_cast<std::size_t>(e.pool)].name);
  return at;
}

std::size_t encode_frame(const Event& e, bool response, std::span<const std::uint8_t> identity,
                         std::span<const std::uint8_t> extra, std::uint64_t sec, std::uint32_t nsec,
                         std::span<std::uint8_t> out) noexcept {
  Dnstap__Message m = DNSTAP__MESSAGE__INIT;
  m.type = response ? DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE : DNSTAP__MESSAGE__TYPE__AUTH_QUERY;
  set_peer(m, e.peer);
  m.has_socket_protocol = 1;
  m.socket_protocol =
      e.transport == engine::Transport::Tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
  // One clock reading per logged query: answering takes microseconds, so the query's time and the
  // response's are the same reading (both present, as dnstap readers expect on each message type).
  m.has_query_time_sec = m.has_query_time_nsec = 1;
  m.query_time_sec = sec;
  m.query_time_nsec = nsec;
  if (response) {
    m.has_response_time_sec = m.has_response_time_nsec = 1;
    m.response_time_sec = sec;
    m.response_time_nsec = nsec;
    m.has_response_message = 1;
    m.response_message = bytes(e.response);
  } else {
    m.has_query_message = 1;
    m.query_message = bytes(e.query);
  }
  Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
  d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  d.message = &m;
  d.has_identity = !identity.empty();
  d.identity = bytes(identity);
  d.has_version = 1;
  d.version = bytes({reinterpret_cast<const std::uint8_t*>(kVersion.data()), kVersion.size()});
  d.has_extra = !extra.empty();
  d.extra = bytes(extra);
  if (dnstap__dnstap__get_packed_size(&d) > out.size()) return 0;
  return dnstap__dnstap__pack(&d, out.data());
}

}  // namespace sgdns::dnstap
