// SPDX-License-Identifier: MIT
// Golden tests: each cases/NAME.test names zones, options and queries; the engine's replies, decoded by
// ldns into presentation format, must equal cases/NAME.out. `sgdns-golden DIR --update` rewrites them.
//
// A .test file, one directive per line ('#' starts a comment):
//   zone ORIGIN FILE             load FILE (relative to DIR) as ORIGIN
//   config FILE                  load a JSON configuration (zones, geo policy) instead
//   option nsid=TEXT | edns_max_payload=N | chaos=off | version=TEXT
//   health POOL ADDRESS up|down  set a member's health (a pool's CNAME: ADDRESS is "cname")
//   query NAME TYPE [tcp] [noedns] [edns=N] [version=N] [do] [nsid] [class=CH] [rd] [id=N]
//         [ecs=ADDRESS/LENGTH] [client=ADDRESS]
//   raw HEX [tcp]                send these bytes as the query (malformed input)
// <stdbool.h> must come before ldns, or ldns defines a bool macro that breaks <optional>.
#include <stdbool.h>

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sgdns/config/config.h"
#include "sgdns/dns/name.h"
#include "sgdns/engine/engine.h"
#include "sgdns/world/build.h"
#include "sgdns/zone/zone.h"

namespace fs = std::filesystem;
using namespace sgdns;

namespace {

void put16(std::vector<std::uint8_t>& v, unsigned x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

struct QuerySpec {
  std::vector<std::uint8_t> wire;
  bool tcp = false;
  sockaddr_storage client{};
};

/// Parses an address into a socket address; "127.0.0.1" is the default client.
sockaddr_storage socket_address(const std::string& text) {
  return dns::parse_ip_address(text);
}

/// The RFC 7871 option for ADDRESS/LENGTH: family, source prefix, scope 0, the significant bytes.
std::vector<std::uint8_t> ecs_option(const std::string& cidr) {
  auto slash = cidr.find('/');
  std::string host = cidr.substr(0, slash);
  int length = std::stoi(cidr.substr(slash + 1));
  std::uint8_t addr[16] = {};
  int family = inet_pton(AF_INET, host.c_str(), addr) == 1 ? 1 : 2;
  if (family == 2 && inet_pton(AF_INET6, host.c_str(), addr) != 1)
    throw std::runtime_error("bad ecs " + cidr);
  std::size_t bytes = static_cast<std::size_t>(length + 7) / 8;
  std::vector<std::uint8_t> o;
  put16(o, dns::edns_opt::kECS);
  put16(o, static_cast<unsigned>(4 + bytes));
  put16(o, static_cast<unsigned>(family));
  o.push_back(static_cast<std::uint8_t>(length));
  o.push_back(0);
  o.insert(o.end(), addr, addr + bytes);
  return o;
}

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

QuerySpec build_query(const std::vector<std::string>& w) {
  QuerySpec q;
  q.client = socket_address("127.0.0.1");
  std::vector<std::uint8_t> options;
  std::uint16_t id = 0x1234, flags = 0, qclass = dns::rrclass::kIN, payload = 1232;
  bool edns = true, dnssec_ok = false, nsid = false;
  unsigned version = 0;
  ldns_rr_type type = ldns_get_rr_type_by_name(w.at(2).c_str());
  if (type == 0 && w.at(2) != "TYPE0") throw std::runtime_error("unknown type " + w.at(2));
  for (std::size_t i = 3; i < w.size(); ++i) {
    const std::string& o = w[i];
    if (o == "tcp")
      q.tcp = true;
    else if (o == "noedns")
      edns = false;
    else if (o.rfind("edns=", 0) == 0)
      payload = static_cast<std::uint16_t>(std::stoi(o.substr(5)));
    else if (o.rfind("version=", 0) == 0)
      version = static_cast<unsigned>(std::stoi(o.substr(8)));
    else if (o == "do")
      dnssec_ok = true;
    else if (o == "nsid")
      nsid = true;
    else if (o == "class=CH")
      qclass = dns::rrclass::kCH;
    else if (o == "class=ANY")
      qclass = dns::rrclass::kANY;
    else if (o == "class=HS")
      qclass = 4;
    else if (o == "rd")
      flags |= dns::flag::kRD;
    else if (o.rfind("id=", 0) == 0)
      id = static_cast<std::uint16_t>(std::stoi(o.substr(3)));
    else if (o.rfind("ecs=", 0) == 0) {
      auto e = ecs_option(o.substr(4));
      options.insert(options.end(), e.begin(), e.end());
    } else if (o.rfind("client=", 0) == 0)
      q.client = socket_address(o.substr(7));
    else
      throw std::runtime_error("unknown query option " + o);
  }
  auto& v = q.wire;
  put16(v, id);
  put16(v, flags);
  put16(v, 1);
  put16(v, 0);
  put16(v, 0);
  put16(v, edns ? 1 : 0);
  auto name = dns::name_from_text(w.at(1));
  v.insert(v.end(), name.begin(), name.end());
  put16(v, type);
  put16(v, qclass);
  if (edns) {
    v.push_back(0);
    put16(v, dns::rrtype::kOPT);
    put16(v, payload);
    v.push_back(0);
    v.push_back(static_cast<std::uint8_t>(version));
    put16(v, dnssec_ok ? 0x8000 : 0);
    if (nsid) {
      put16(options, dns::edns_opt::kNSID);
      put16(options, 0);
    }
    put16(v, static_cast<unsigned>(options.size()));
    v.insert(v.end(), options.begin(), options.end());
  }
  return q;
}

QuerySpec raw_query(const std::vector<std::string>& w) {
  QuerySpec q;
  q.client = socket_address("127.0.0.1");
  const std::string& hex = w.at(1);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    q.wire.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  q.tcp = w.size() > 2 && w[2] == "tcp";
  return q;
}

std::string section_text(ldns_rr_list* list) {
  std::string out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    char* s = ldns_rr2str(ldns_rr_list_rr(list, i));
    out += s;
    free(s);
  }
  return out;
}

/// EDNS options in a readable form: nsid="TEXT", ecs=ADDRESS/SOURCE/SCOPE, or code=hex.
std::string edns_options(const std::uint8_t* p, std::size_t n) {
  std::ostringstream out;
  for (std::size_t i = 0; i + 4 <= n;) {
    unsigned code = (p[i] << 8) | p[i + 1], len = (p[i + 2] << 8) | p[i + 3];
    const std::uint8_t* d = p + i + 4;
    i += 4 + len;
    if (i > n) break;
    if (code == dns::edns_opt::kNSID) {
      out << " nsid=\"" << std::string(reinterpret_cast<const char*>(d), len) << "\"";
    } else if (code == dns::edns_opt::kECS && len >= 4) {
      std::uint8_t addr[16] = {};
      std::copy(d + 4, d + len, addr);
      char text[INET6_ADDRSTRLEN] = "?";
      inet_ntop(d[1] == 1 ? AF_INET : AF_INET6, addr, text, sizeof text);
      out << " ecs=" << text << "/" << int(d[2]) << "/" << int(d[3]);
    } else {
      out << " option" << code << "=";
      for (unsigned k = 0; k < len; ++k) out << std::hex << int(d[k]) << std::dec;
    }
  }
  return out.str();
}

std::string describe_reply(const std::vector<std::uint8_t>& wire) {
  if (wire.empty()) return "no reply\n";
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, wire.data(), wire.size()) != LDNS_STATUS_OK) return "undecodable reply\n";
  std::ostringstream out;
  ldns_lookup_table* rc = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(pkt));
  out << "rcode " << (rc ? rc->name : "?") << " flags";
  if (ldns_pkt_qr(pkt)) out << " qr";
  if (ldns_pkt_aa(pkt)) out << " aa";
  if (ldns_pkt_tc(pkt)) out << " tc";
  if (ldns_pkt_rd(pkt)) out << " rd";
  out << " id " << ldns_pkt_id(pkt) << " size " << wire.size() << "\n";
  if (ldns_pkt_edns(pkt)) {
    out << "edns payload " << ldns_pkt_edns_udp_size(pkt) << " extended-rcode "
        << int(ldns_pkt_edns_extended_rcode(pkt)) << " version " << int(ldns_pkt_edns_version(pkt))
        << (ldns_pkt_edns_do(pkt) ? " do" : "");
    if (ldns_rdf* data = ldns_pkt_edns_data(pkt))
      out << edns_options(ldns_rdf_data(data), ldns_rdf_size(data));
    out << "\n";
  }
  out << "question:\n" << section_text(ldns_pkt_question(pkt));
  out << "answer:\n" << section_text(ldns_pkt_answer(pkt));
  out << "authority:\n" << section_text(ldns_pkt_authority(pkt));
  out << "additional:\n" << section_text(ldns_pkt_additional(pkt));
  ldns_pkt_free(pkt);
  return out.str();
}

void set_health(engine::World& world, const std::string& pool_name, const std::string& member, bool up) {
  if (!world.policy) throw std::runtime_error("health needs a config with a policy");
  std::int32_t p = world.policy->pool_index(pool_name);
  if (p < 0) throw std::runtime_error("no pool " + pool_name);
  const policy::Pool& pool = world.policy->pools[static_cast<std::size_t>(p)];
  if (member == "cname") {
    world.health->set_up(pool.cname_health_id, up);
    return;
  }
  for (const policy::Member& m : pool.members) {
    if (m.address == member) {
      world.health->set_up(m.health_id, up);
      return;
    }
  }
  throw std::runtime_error("no member " + member + " in " + pool_name);
}

std::string run_case(const fs::path& dir, const fs::path& file) {
  auto holder = std::make_shared<engine::World>();
  holder->options.axfr_allow = {dns::Prefix{4, {127}, 8}};  // as the server's default: loopback
  std::ifstream in(file);
  std::ostringstream out;
  engine::Scratch scratch;
  std::vector<std::uint8_t> buf(65535);
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    auto w = split(line);
    if (w.empty()) continue;
    engine::World& world = *holder;
    if (w[0] == "zone") {
      world.zones.add(zone::Zone::load(w.at(1), (dir / w.at(2)).string()));
      continue;
    }
    if (w[0] == "config") {
      holder = world::build_world(config::load_config_file((dir / w.at(1)).string()), 1);
      continue;
    }
    if (w[0] == "health") {
      set_health(world, w.at(1), w.at(2), w.at(3) == "up");
      continue;
    }
    if (w[0] == "option") {
      const std::string& o = w.at(1);
      if (o.rfind("nsid=", 0) == 0)
        world.options.nsid = o.substr(5);
      else if (o.rfind("edns_max_payload=", 0) == 0)
        world.options.edns_max_payload = static_cast<std::uint16_t>(std::stoi(o.substr(17)));
      else if (o == "chaos=off")
        world.options.chaos_enabled = false;
      else if (o.rfind("version=", 0) == 0)
        world.options.chaos_version = o.substr(8);
      else
        throw std::runtime_error("unknown option " + o);
      continue;
    }
    QuerySpec q;
    if (w[0] == "query")
      q = build_query(w);
    else if (w[0] == "raw")
      q = raw_query(w);
    else
      throw std::runtime_error("unknown directive " + w[0]);
    engine::Client client{reinterpret_cast<const sockaddr*>(&q.client),
                          q.tcp ? engine::Transport::Tcp : engine::Transport::Udp};
    engine::Reply reply = engine::answer(world, q.wire, client, scratch, buf);
    out << ";; " << line << "\n";
    if (reply.outcome == engine::Outcome::Transfer) {
      int messages = 0;
      engine::TransferStream stream(world, client, scratch);
      std::vector<std::uint8_t> m(dns::kMaxMessage);
      while (const std::size_t size = stream.next(m, 0))
        out << "message " << ++messages << "\n"
            << describe_reply({m.begin(), m.begin() + static_cast<std::ptrdiff_t>(size)});
    } else {
      out << describe_reply({buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(reply.size)});
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sgdns-golden DIR [--update]\n";
    return 2;
  }
  fs::path dir = argv[1];
  bool update = argc > 2 && std::string(argv[2]) == "--update";
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(dir / "cases")) {
    if (e.path().extension() == ".test") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  int passed = 0, failed = 0;
  for (const fs::path& c : cases) {
    fs::path expected_file = fs::path(c).replace_extension(".out");
    std::string got;
    try {
      got = run_case(dir, c);
    } catch (const std::exception& e) {
      got = std::string("error: ") + e.what() + "\n";
    }
    if (update) {
      std::ofstream(expected_file) << got;
      std::cout << "updated " << expected_file.filename().string() << "\n";
      ++passed;
      continue;
    }
    std::ifstream in(expected_file);
    std::stringstream expected;
    expected << in.rdbuf();
    if (expected.str() == got) {
      ++passed;
      continue;
    }
    ++failed;
    fs::path actual = fs::temp_directory_path() / (c.stem().string() + ".actual");
    std::ofstream(actual) << got;
    std::cout << "FAILED " << c.filename().string() << ": diff -u " << expected_file.string() << " "
              << actual.string() << "\n";
    std::fflush(stdout);
    std::system(("diff -u '" + expected_file.string() + "' '" + actual.string() + "' | head -40").c_str());
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
