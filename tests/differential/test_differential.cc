// SPDX-License-Identifier: MIT
// Differential test: the same zone served by sgdns and knotd must give the same answers to ~280 varied
// queries.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "knot_server.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

const std::string kOrigin = "diff.example.";

struct Case {
  std::string category;
  QueryOptions query;
  Transport transport = Transport::Udp;
};

std::string describe(const Case& c) {
  std::ostringstream out;
  out << "[" << c.category << "] " << c.query.name << " " << type_name(c.query.type) << " over "
      << (c.transport == Transport::Udp ? "UDP" : "TCP");
  if (c.query.edns)
    out << " EDNS(" << c.query.udp_size << ")";
  else
    out << " no-EDNS";
  return out.str();
}

// Deterministic choices: std::mt19937 is specified exactly, and `% n` avoids the library-defined
// distributions.
class Picker {
 public:
  explicit Picker(uint32_t seed) : rng_(seed) {}
  size_t index(size_t n) { return rng_() % n; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[index(v.size())];
  }
  bool chance(unsigned percent) { return rng_() % 100 < percent; }
  // A random label: a letter, then up to nine letters or digits.
  std::string label() {
    static const std::string chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(1 + index(10), 'a');
    out[0] = chars[index(26)];
    for (size_t i = 1; i < out.size(); ++i) out[i] = chars[index(chars.size())];
    return out;
  }
  // Random letter case: names must match case-insensitively (RFC 4343).
  std::string mix_case(std::string name) {
    for (auto& ch : name)
      if (chance(40)) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return name;
  }

 private:
  std::mt19937 rng_;
};

std::string fqdn(const std::string& relative) {
  return relative.empty() ? kOrigin : relative + "." + kOrigin;
}

// The zone's nodes (relative names) and the types each one owns; see data/diff.example.zone.
const std::vector<std::pair<std::string, std::vector<uint16_t>>>& nodes() {
  static const std::vector<std::pair<std::string, std::vector<uint16_t>>> n{
      {"", {kTypeSOA, kTypeNS, kTypeMX, kTypeTXT, kTypeCAA, kTypeA, kTypeAAAA}},
      {"ns1", {kTypeA, kTypeAAAA}},
      {"ns2", {kTypeA}},
      {"mail", {kTypeA}},
      {"mail2", {kTypeAAAA}},
      {"www", {kTypeA, kTypeAAAA}},
      {"mixedcase", {kTypeA}},
      {"upper.mixedcase", {kTypeTXT}},
      {"host1", {kTypeA, kTypeTXT}},
      {"host2", {kTypeA}},
      {"host3", {kTypeAAAA}},
      {"info", {kTypeHINFO}},
      {"ptr", {kTypePTR}},
      {"_sip._tcp", {kTypeSRV}},
      {"mx2", {kTypeMX}},
      {"big", {kTypeTXT}},
      {"a.b.ent", {kTypeA}},
      {"x.y.z.deep", {kTypeA}},
      {"exists.wild", {kTypeA}},
      // Empty non-terminals own nothing.
      {"b.ent", {}},
      {"_tcp", {}},
      {"z.deep", {}},
      {"deep", {}},
      {"wild", {}},
  };
  return n;
}

const std::vector<std::string> kCnames{"chain1",   "chain2", "chain3", "dangling",
                                       "external", "loop1",  "loop2"};
const std::vector<uint16_t> kTypes{kTypeA,   kTypeAAAA,  kTypeNS,  kTypeSOA, kTypeMX,   kTypeTXT,
                                   kTypeCAA, kTypeHINFO, kTypePTR, kTypeSRV, kTypeCNAME};

std::vector<Case> generate_cases() {
  Picker p(20241127);
  std::vector<Case> cases;
  auto add = [&](const std::string& category, const std::string& name, uint16_t type) {
    Case c;
    c.category = category;
    c.query = make_query(p.chance(50) ? p.mix_case(name) : name, type);
    c.query.id = static_cast<uint16_t>(cases.size() + 1);
    c.query.edns = p.chance(50);
    c.query.udp_size = std::vector<uint16_t>{512, 1232, 4096}[p.index(3)];
    c.transport = p.chance(20) ? Transport::Tcp : Transport::Udp;
    cases.push_back(c);
  };

  for (int i = 0; i < 60; ++i) {  // names with the types they own
    const auto& node = p.pick(nodes());
    if (node.second.empty()) {
      --i;
      continue;
    }
    add("positive", fqdn(node.first), p.pick(node.second));
  }
  for (int i = 0; i < 40; ++i) {  // names (ENTs included) with types they lack
    const auto& node = p.pick(nodes());
    uint16_t type = p.pick(kTypes);
    if (std::find(node.second.begin(), node.second.end(), type) != node.second.end()) {
      --i;
      continue;
    }
    add("nodata", fqdn(node.first), type);
  }
  const std::vector<std::string> nx_parents{"", "", "www", "host1", "b.ent", "y.z.deep", "mixedcase", "_tcp"};
  for (int i = 0; i < 30; ++i) {  // below existing names, below ENTs (b.ent blocks *.ent) and at the apex
    std::string parent = p.pick(nx_parents);
    add("nxdomain", fqdn(p.label() + (parent.empty() ? "" : "." + parent)), p.pick(kTypes));
  }
  const std::vector<std::string> wild_parents{"wild", "wild", "cwild", "ent"};
  const std::vector<uint16_t> wild_types{kTypeA, kTypeTXT, kTypeAAAA, kTypeMX, kTypeCNAME, kTypeA, kTypeTXT};
  for (int i = 0; i < 35; ++i) {  // wildcard synthesis, one or two labels deep
    std::string name = p.label() + (p.chance(25) ? "." + p.label() : "") + "." + p.pick(wild_parents);
    add("wildcard", fqdn(name), p.pick(wild_types));
  }
  add("wildcard", fqdn("*.wild"), kTypeA);
  add("wildcard", fqdn("*.wild"), kTypeMX);
  add("wildcard", fqdn("exists.wild"), kTypeTXT);  // an existing name is not covered by the wildcard
  add("wildcard", fqdn("sub.exists.wild"), kTypeA);
  const std::vector<std::string> referral_names{"sub", "ns1.sub", "www.sub", "a.b.sub", "ns.sub"};
  for (int i = 0; i < 30; ++i) {  // at, and below, the delegation point
    std::string name = i % 3 == 0 ? p.label() + ".sub" : p.pick(referral_names);
    add("referral", fqdn(name), p.pick(kTypes));
  }
  const std::vector<uint16_t> cname_types{kTypeA, kTypeAAAA, kTypeCNAME, kTypeTXT, kTypeMX, kTypeA};
  for (int i = 0; i < 35; ++i) add("cname", fqdn(p.pick(kCnames)), p.pick(cname_types));
  for (const auto& name : {std::string("x.cwild"), std::string("chain1"), std::string("dangling")})
    add("cname", fqdn(name), kTypeA);
  const std::vector<std::string> any_names{"",      "www",    "host1",   "ns1", "info", "chain1",
                                           "b.ent", "q.wild", "missing", "sub", "big"};
  for (int i = 0; i < 16; ++i) add("any", fqdn(p.pick(any_names)), kTypeANY);
  const std::vector<std::string> outside{"example.org.",      "www.example.org.", "example.",
                                         "diff.example.org.", "xdiff.example.",   "."};
  for (int i = 0; i < 10; ++i) add("refused", p.pick(outside), p.pick(kTypes));
  for (const auto& name : {"sub", "www", ""}) add("ds", fqdn(name), kTypeDS);
  // The big TXT RRset: truncated over UDP, whole over TCP.
  add("big", fqdn("big"), kTypeTXT);
  cases.back().transport = Transport::Udp;
  cases.back().query.edns = false;
  add("big", fqdn("big"), kTypeTXT);
  cases.back().transport = Transport::Udp;
  cases.back().query.edns = true;
  add("big", fqdn("big"), kTypeTXT);
  cases.back().transport = Transport::Tcp;
  return cases;
}

std::string join(const std::set<RRset>& section) {
  std::string out;
  for (const auto& s : section) out += "    " + to_string(s) + "\n";
  return out.empty() ? "    (empty)\n" : out;
}

std::string section_diff(const char* name, const std::set<RRset>& ours, const std::set<RRset>& theirs) {
  if (ours == theirs) return "";
  std::set<RRset> only_ours, only_theirs;
  std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(),
                      std::inserter(only_ours, only_ours.end()));
  std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(),
                      std::inserter(only_theirs, only_theirs.end()));
  return std::string(name) + " differs\n  only in sgdns:\n" + join(only_ours) + "  only in knotd:\n" +
         join(only_theirs);
}

// Every RRset knotd holds at `name` (asked type by type over TCP), for judging a minimal ANY answer.
std::set<RRset> knot_rrsets_at(const Endpoint& knot, const std::string& name) {
  std::set<RRset> all;
  std::string owner = name;
  for (auto& ch : owner) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (uint16_t type : kTypes) {
    auto wire = exchange(knot, build_query(make_query(name, type)), Transport::Tcp);
    if (!wire) continue;
    auto r = decode(*wire);
    if (!r) continue;
    for (const auto& s : r->answer)
      if (s.owner == owner) all.insert(s);
  }
  return all;
}

}  // namespace

TEST_CASE("sgdns and knotd answer the same", "[differential]") {
  const std::string zone_file = test_data_path("differential/data/diff.example.zone");
  // No knotd is an environment problem, but it must fail, not pass silently: CI installs knot.
  INFO("knotd path: '" << find_knotd() << "'");
  REQUIRE_FALSE(find_knotd().empty());
  std::unique_ptr<KnotServer> knot;
  try {
    knot =
        std::make_unique<KnotServer>(std::vector<std::pair<std::string, std::string>>{{kOrigin, zone_file}});
  } catch (const std::exception& e) {
    FAIL("knotd could not be started: " << e.what());
  }
  ServerProcess sgdns({"--zone", kOrigin + "=" + zone_file});
  {
    bool ready = sgdns.wait_ready(kOrigin);
    INFO("sgdns stderr:\n" << sgdns.stderr_text());
    REQUIRE(ready);
  }
  const Endpoint ours("127.0.0.1", sgdns.port());
  const Endpoint theirs("127.0.0.1", knot->port());

  std::vector<Case> cases = generate_cases();
  REQUIRE(cases.size() >= 250);
  int mismatches = 0, warnings = 0;
  std::map<std::string, int> rcodes;  // coverage summary: what kinds of answers the queries produced
  for (const Case& c : cases) {
    Bytes wire = build_query(c.query);
    auto our_wire = exchange(ours, wire, c.transport);
    auto their_wire = exchange(theirs, wire, c.transport);
    std::string problems;
    std::optional<Reply> a, b;
    if (our_wire) a = decode(*our_wire);
    if (their_wire) b = decode(*their_wire);
    if (!a || !b) {
      if (!a) problems += our_wire ? "sgdns reply does not parse\n" : "no reply from sgdns\n";
      if (!b) problems += their_wire ? "knotd reply does not parse\n" : "no reply from knotd\n";
    } else {
      ++rcodes[rcode_name(b->rcode) + (b->aa ? "" : "/non-AA") + (b->tc ? "/TC" : "")];
      if (a->rcode != b->rcode)
        problems += "rcode: sgdns " + rcode_name(a->rcode) + ", knotd " + rcode_name(b->rcode) + "\n";
      if (a->qr != b->qr || a->aa != b->aa || a->tc != b->tc)
        problems += "flags (qr aa tc): sgdns " + std::to_string(a->qr) + std::to_string(a->aa) +
                    std::to_string(a->tc) + ", knotd " + std::to_string(b->qr) + std::to_string(b->aa) +
                    std::to_string(b->tc) + "\n";
      // Both truncated: RFC 2181 9 lets a server fill a TC reply as it likes, so only the header is compared.
      bool both_truncated = a->tc && b->tc;
      if (!both_truncated) {
        if (c.query.type == kTypeANY && a->answer != b->answer) {
          // RFC 8482: sgdns answers ANY with one RRset (or HINFO). Knot 3.2 is minimal too but may pick
          // another RRset, so the rule is: sgdns's answer is a subset of the RRsets knotd holds at that name,
          // and it is empty exactly when knotd's is.
          std::set<RRset> held = knot_rrsets_at(theirs, c.query.name);
          bool subset = std::includes(held.begin(), held.end(), a->answer.begin(), a->answer.end());
          if (!subset || a->answer.empty() != b->answer.empty())
            problems += "ANY answer is not a non-empty subset of knotd's RRsets at the name\n" +
                        section_diff("answer", a->answer, held);
        } else {
          problems += section_diff("answer", a->answer, b->answer);
        }
        problems += section_diff("authority", a->authority, b->authority);
        std::string extra = section_diff("additional", a->additional, b->additional);
        if (!extra.empty()) {
          ++warnings;
          std::cout << "WARNING (additional only) " << describe(c) << ": " << extra;
        }
      }
    }
    if (!problems.empty()) {
      ++mismatches;
      std::cout << "==== MISMATCH " << mismatches << ": " << describe(c) << "\n"
                << problems << "--- sgdns reply:\n"
                << (our_wire ? packet_text(*our_wire) : "(none)\n") << "--- knotd reply:\n"
                << (their_wire ? packet_text(*their_wire) : "(none)\n") << "\n";
    }
  }
  std::cout << "differential: " << cases.size() << " queries, " << mismatches << " mismatches, " << warnings
            << " additional-section warnings; knotd answer kinds:";
  for (const auto& [kind, count] : rcodes) std::cout << " " << kind << "=" << count;
  std::cout << std::endl;
  // The generator must actually reach every branch, or a pass means little.
  CHECK(rcodes["NOERROR"] > 50);
  CHECK(rcodes["NXDOMAIN"] > 10);
  CHECK(rcodes["NOERROR/non-AA"] > 10);  // referrals
  CHECK(rcodes["REFUSED/non-AA"] > 3);
  INFO(mismatches << " of " << cases.size() << " queries differ (details above)");
  CHECK(mismatches == 0);
}
