// SPDX-License-Identifier: MIT
// Response rate limiting: the bucket key, the slip, the exempt list and the rate-limited log lines.
#include "sgdns/rrl/limiter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <random>

#include "sgdns/dns/name.h"
#include "sgdns/util/log.h"

namespace sgdns::rrl {
namespace {

constexpr const char* kKindLabels[kKinds] = {"answer", "referral", "nodata", "nxdomain", "error"};
/// At most this many "limiting" lines a second across the server: a flood over many names must not turn
/// into a flood of the log; the metrics count every limited response anyway.

std::uint64_t mix(
    std::uint64_t h) noexcept {  // MurmurHash3's finaliser: every input bit moves every output bit
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

/// The client's network: the address with the bits past the prefix cleared.
void client_network(const Settings& s, const sockaddr* client, std::uint8_t* out, std::size_t& size,
                    int& prefix) noexcept {
  size = 0;
  prefix = 0;
  if (!client) return;
  if (client->sa_family == AF_INET) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in*>(client)->sin_addr, 4);
    size = 4;
    prefix = s.ipv4_prefix;
  } else if (client->sa_family == AF_INET6) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in6*>(client)->sin6_addr, 16);
    size = 16;
    prefix = s.ipv6_prefix;
  }
  for (std::size_t i = 0; i < size; ++i) {
    const int bits = prefix - static_cast<int>(i) * 8;
    if (bits <= 0)
      out[i] = 0;
    else if (bits < 8)
      out[i] &= static_cast<std::uint8_t>(0xFF << (8 - bits));
  }
}

/// The client's network as two words (IPv4 in `low`), bits past the prefix cleared.
void client_bits(const Settings& s, const sockaddr* client, std::uint64_t& high,
                 std::uint64_t& low) noexcept {
  auto keep = [](int bits) {  // the first `bits` bits of a big-endian word, as a native mask
    return bits <= 0    ? 0
           : bits >= 64 ? ~std::uint64_t{0}
                        : __builtin_bswap64(~std::uint64_t{0} << (64 - bits));
  };
  if (!client) return;
  if (client->sa_family == AF_INET) {
    std::uint32_t a;
    std::memcpy(&a, &reinterpret_cast<const sockaddr_in*>(client)->sin_addr, 4);
    low = a & static_cast<std::uint32_t>(keep(s.ipv4_prefix));
    high = 4;
  } else if (client->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(client);
    std::memcpy(&high, &in6->sin6_addr, 8);
    std::memcpy(&low, reinterpret_cast<const std::uint8_t*>(&in6->sin6_addr) + 8, 8);
    high &= keep(s.ipv6_prefix);
    low &= keep(s.ipv6_prefix - 64);
  }
}

/// Presentation form of a wire name into `out` (no allocation); unusual bytes as \DDD.
std::size_t name_text(const std::uint8_t* name, char* out, std::size_t cap) noexcept {
  std::size_t n = 0;
  auto put = [&](char c) {
    if (n + 1 < cap) out[n++] = c;
  };
  if (name[0] == 0) put('.');
  for (const std::uint8_t* p = name; *p; p += 1 + *p) {
    for (std::uint8_t i = 1; i <= *p; ++i) {
      const std::uint8_t c = p[i];
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*') {
        put(static_cast<char>(c));
      } else {
        char esc[5];
        std::snprintf(esc, sizeof esc, "\\%03u", c);
        for (char e : esc) {
          if (e) put(e);
        }
      }
    }
    put('.');
  }
  out[n] = 0;
  return n;
}

}  // namespace

const char* kind_label(Kind kind) noexcept {
  return kKindLabels[static_cast<std::size_t>(kind)];
}

Limiter::Limiter(std::size_t buckets)
    : table_(buckets), seed_(std::random_device{}() * 0x9E3779B97F4A7C15ull) {
  seed_ ^= std::uint64_t{std::random_device{}()} << 32;
}

std::uint64_t Limiter::key(const Settings& settings, const Response& r) const noexcept {
  // One multiply per 8 bytes and one finaliser: this runs for every UDP reply.
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  auto step = [](std::uint64_t h, std::uint64_t w) { return std::rotl((h ^ w) * kMul, 29); };
  std::uint64_t high = 0, low = 0;
  client_bits(settings, r.client, high, low);
  std::uint64_t h = seed_ ^ (std::uint64_t{static_cast<std::uint8_t>(r.kind)} << 56) ^
                    (std::uint64_t{r.kind == Kind::Answer ? r.qtype : std::uint16_t{0}} << 32);
  h = step(step(h, high), low);
  if (r.name) {
    const std::size_t len = dns::name_length(r.name);
    std::size_t i = 0;
    for (; i + 8 <= len; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, r.name + i, 8);
      h = step(h, w);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, r.name + i, len - i);  // the length goes in below, so zero padding is unambiguous
    h = step(h, tail ^ (std::uint64_t{len} << 56));
  }
  return mix(h);
}

Action Limiter::decide(const Settings& settings, const Response& r, std::uint64_t now_us,
                       WorkerState& worker) noexcept {
  if (worker.rate != settings.rate || worker.window != settings.window) {  // at start, and after a reload
    worker.rate = settings.rate;
    worker.window = settings.window;
    worker.interval = 1'000'000 / (settings.rate ? settings.rate : 1);
    const std::uint64_t window = std::uint64_t{settings.window} * 1'000'000;
    worker.tolerance = window > worker.interval ? window - worker.interval : 0;
  }
  const Table::Result result = table_.take(key(settings, r), now_us, worker.interval, worker.tolerance);
  if (result.allowed) return Action::Send;
  if (!settings.exempt.empty() && dns::address_in(settings.exempt, r.client)) return Action::Send;
  if (result.started) log_start(settings, r, now_us);
  if (settings.slip == 0) return Action::Drop;
  if (++worker.since_slip < settings.slip) return Action::Drop;
  worker.since_slip = 0;
  return Action::Slip;
}

void Limiter::log_start(const Settings& settings, const Response& r, std::uint64_t now_us) noexcept {
  if (log::level() > log::Level::Info) return;
  std::uint64_t skipped = 0;
  if (!log_gate_.allow(now_us / 1'000'000, skipped)) return;

  std::uint8_t network[16] = {};
  std::size_t size = 0;
  int prefix = 0;
  client_network(settings, r.client, network, size, prefix);
  char address[INET6_ADDRSTRLEN] = "?";
  if (size) inet_ntop(size == 4 ? AF_INET : AF_INET6, network, address, sizeof address);
  char name[4 * 255 + 2] = "";
  if (r.name) name_text(r.name, name, sizeof name);
  char line[1400];
  int n = std::snprintf(line, sizeof line, "rrl: limiting %s responses%s%s to %s/%d (over %u/s, slip %u)",
                        kind_label(r.kind), r.name ? " for " : "", name, address, prefix, settings.rate,
                        settings.slip);
  if (n > 0 && skipped > 0 && static_cast<std::size_t>(n) < sizeof line)
    n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "; %llu more not logged",
                       static_cast<unsigned long long>(skipped));
  if (n > 0)
    log::write(log::Level::Info, {line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1)});
}

}  // namespace sgdns::rrl
