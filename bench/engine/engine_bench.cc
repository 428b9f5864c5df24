// SPDX-License-Identifier: MIT
// engine_bench: the cost of engine::answer() alone (parse -> lookup -> write), no sockets.
//
// Usage: sgdns-engine-bench ZONE ORIGIN QUERIES [N]
//        sgdns-engine-bench --config CONFIG.json --raw QUERIES.bin [N]
//        sgdns-engine-bench --config CONFIG.json --sign-nx ORIGIN [N]
//   QUERIES is a dnsperf query file ("name TYPE" per line); the queries are built once (no EDNS, as
//   bench/run's dnsperf sends them). With --config the World is the one the server would build
//   (zones, GeoIP, policies) and QUERIES.bin holds whole messages as dnsperf -B reads them (2-byte
//   length, then the message), e.g. bench/data/geo-ecs-multi.bin. The queries are answered N times in
//   order (default 1,000,000). Prints nanoseconds per query. Under `valgrind --tool=callgrind` the
//   instruction count per query is the figure that does not depend on how busy the machine is
//   (bench/README.md). --sign-nx measures cold-cache signing: N (default 100,000) queries with DO for
//   distinct names that do not exist in the signed zone ORIGIN, so each answer needs a new compact-denial
//   NSEC signature; prints signatures per second on this one core.
//        sgdns-engine-bench --reload-signed BEFORE.json AFTER.json [UNSIGNED.json]
//   The cost of signing at reload: builds BEFORE's World, then AFTER's both from scratch (every static
//   RRset signed) and as a reload of BEFORE (only what changed signed, the rest kept), and UNSIGNED's
//   (AFTER without keys) for scale, twice each, interleaved; prints wall and CPU seconds and RRsets
//   signed/kept per build (bench/lib/resign_bench.sh).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "sgdns/config/config.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/engine/engine.h"
#include "sgdns/world/build.h"
#include "sgdns/zone/zone.h"

using namespace sgdns;

namespace {

std::uint16_t type_code(const std::string& t) {
  static const std::pair<const char*, std::uint16_t> kTypes[] = {
      {"A", 1},   {"NS", 2},   {"CNAME", 5}, {"SOA", 6},  {"PTR", 12},
      {"MX", 15}, {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"ANY", 255}};
  for (const auto& [name, code] : kTypes) {
    if (t == name) return code;
  }
  return static_cast<std::uint16_t>(std::atoi(t.c_str() + (t.rfind("TYPE", 0) == 0 ? 4 : 0)));
}

std::vector<std::uint8_t> make_query(const std::string& name, std::uint16_t type, std::uint16_t id) {
  std::vector<std::uint8_t> v = {
      static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  std::string fqdn = name.empty() || name.back() != '.' ? name + "." : name;
  auto wire = dns::name_from_text(fqdn);
  v.insert(v.end(), wire.begin(), wire.end());
  v.insert(v.end(), {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
  return v;
}

std::vector<std::vector<std::uint8_t>> read_text_queries(const char* path) {
  std::ifstream in(path);
  std::vector<std::vector<std::uint8_t>> queries;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name, type;
    if (!(fields >> name >> type)) continue;
    queries.push_back(make_query(name, type_code(type), static_cast<std::uint16_t>(queries.size())));
  }
  return queries;
}

std::vector<std::vector<std::uint8_t>> read_raw_queries(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::vector<std::uint8_t>> queries;
  unsigned char length[2];
  while (in.read(reinterpret_cast<char*>(length), 2)) {
    std::vector<std::uint8_t> message(static_cast<std::size_t>(length[0] << 8 | length[1]));
    if (!in.read(reinterpret_cast<char*>(message.data()), static_cast<std::streamsize>(message.size())))
      break;
    queries.push_back(std::move(message));
  }
  return queries;
}

/// Cold-cache signing rate: every query's NSEC is signed on the spot.
int sign_nx(const char* config_path, const std::string& origin, long n) {
  auto world = world::build_world(config::load_config_file(config_path), 1);
  if (world->signed_zones.empty()) {
    std::fprintf(stderr, "%s: no signed zone\n", config_path);
    return 1;
  }
  std::vector<std::vector<std::uint8_t>> queries;
  for (long i = 0; i < n; ++i) {
    auto q = make_query("cold" + std::to_string(i) + "." + origin, 1, static_cast<std::uint16_t>(i));
    q[11] = 1;                                                   // ARCOUNT 1: the OPT record
    q.insert(q.end(), {0, 0, 41, 4, 208, 0, 0, 0x80, 0, 0, 0});  // OPT, 1232 bytes, DO
    queries.push_back(std::move(q));
  }
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(4096);
  engine::Client client{nullptr, engine::Transport::Udp};
  client.now = static_cast<std::uint32_t>(std::time(nullptr));
  std::uint64_t before = 0;
  for (const auto& z : world->signed_zones) before += z->online_signatures();
  const auto start = std::chrono::steady_clock::now();
  for (const auto& q : queries) (void)engine::answer(*world, q, client, scratch, out);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::uint64_t after = 0;
  for (const auto& z : world->signed_zones) after += z->online_signatures();
  const double signatures = static_cast<double>(after - before);
  std::printf(
      "%ld queries, %.0f signatures made, %.0f signatures/s on one core (%.1f us per signed answer)\n", n,
      signatures, signatures / took.count(), took.count() * 1e6 / static_cast<double>(n));
  return 0;
}

double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

/// One timed build_world; prints wall and CPU seconds (CPU: what the build cost, whatever else the
/// machine runs) and what it signed and kept.
std::shared_ptr<engine::World> timed_build(const char* what, const char* config_path,
                                           const engine::World* previous) {
  const config::Config config = config::load_config_file(config_path);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  auto world = world::build_world(config, 1, previous);
  const double cpu = cpu_seconds() - cpu_start;
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::size_t signed_rrsets = 0, kept = 0;
  for (const auto& z : world->signed_zones) {
    signed_rrsets += z->load_stats().signed_rrsets;
    kept += z->load_stats().kept_rrsets;
  }
  std::printf("%-30s %7.3f s wall %7.3f s CPU  %8zu RRsets signed  %8zu kept\n", what, took.count(), cpu,
              signed_rrsets, kept);
  std::fflush(stdout);
  return world;
}

/// Full signing against a reload that keeps what did not change (zone load and checks included in both),
/// and the same zone loaded unsigned for scale.
int reload_signed(const char* before_path, const char* after_path, const char* unsigned_path) {
  auto before = timed_build("start (BEFORE, all signed)", before_path, nullptr);
  for (int round = 0; round < 2; ++round) {
    (void)timed_build("AFTER from scratch", after_path, nullptr);
    (void)timed_build("AFTER as a reload of BEFORE", after_path, before.get());
    if (unsigned_path) (void)timed_build("AFTER unsigned", unsigned_path, nullptr);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "--config" && std::string(argv[3]) == "--sign-nx")
    return sign_nx(argv[2], argv[4], argc > 5 ? std::atol(argv[5]) : 100'000);
  if ((argc == 4 || argc == 5) && std::string(argv[1]) == "--reload-signed")
    return reload_signed(argv[2], argv[3], argc == 5 ? argv[4] : nullptr);
  const bool from_config = argc >= 5 && std::string(argv[1]) == "--config" && std::string(argv[3]) == "--raw";
  if (argc < 4 || (std::string(argv[1]) == "--config" && !from_config)) {
    std::fprintf(stderr,
                 "usage: %s ZONE ORIGIN QUERIES [N]\n       %s --config CONFIG.json --raw QUERIES.bin [N]\n",
                 argv[0], argv[0]);
    return 2;
  }
  const int n_arg = from_config ? 5 : 4;
  const long n = argc > n_arg ? std::atol(argv[n_arg]) : 1'000'000;
  std::shared_ptr<engine::World> shared_world;
  if (from_config) {
    shared_world = world::build_world(config::load_config_file(argv[2]), 1);
  } else {
    shared_world = std::make_shared<engine::World>();
    shared_world->zones.add(zone::Zone::load(argv[2], argv[1]));
  }
  const engine::World& world = *shared_world;
  const auto queries = from_config ? read_raw_queries(argv[4]) : read_text_queries(argv[3]);
  if (queries.empty()) {
    std::fprintf(stderr, "%s: no queries in %s\n", argv[0], argv[from_config ? 4 : 3]);
    return 1;
  }
  engine::Scratch scratch;
  std::vector<std::uint8_t> out(4096);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  engine::Client client{reinterpret_cast<const sockaddr*>(&peer), engine::Transport::Udp};
  // Called through a pointer the compiler cannot see through, so that even a Release (LTO) build keeps
  // an out-of-line engine::answer for callgrind's --toggle-collect='sgdns::engine::answer*'.
  auto* volatile answer = &engine::answer;
  std::size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    bytes += answer(world, queries[static_cast<std::size_t>(i) % queries.size()], client, scratch, out).size;
  }
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
  std::printf("%ld queries, %.1f ns/query, %.1f reply bytes/query\n", n,
              took.count() / static_cast<double>(n), static_cast<double>(bytes) / static_cast<double>(n));
  return 0;
}
