// SPDX-License-Identifier: MIT
// Compiles parsed master-file records into a Zone: groups RRsets, runs the load-time checks, resolves node
// flags, delegation cuts, wildcard children and additional-section targets (Knot's "adjust" step).
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/util/log.h"
#include "sgdns/zone/zone.h"

namespace sgdns::zone {
namespace {

using Bytes = std::vector<std::uint8_t>;
using dns::rrtype::kA;
using dns::rrtype::kAAAA;
using dns::rrtype::kCNAME;
using dns::rrtype::kDS;
using dns::rrtype::kMX;
using dns::rrtype::kNS;
using dns::rrtype::kSOA;
using dns::rrtype::kSRV;

std::string where(const ParsedRecord& r) {
  return r.file + ":" + std::to_string(r.line);
}
std::string text(const Bytes& name) {
  return dns::name_to_text(name.data());
}

/// RFC 4034 section 6.1 canonical order: compare label by label from the rightmost. Label offsets go on
/// the stack: this runs O(n log n) times for a zone of n names, so it must not allocate.
bool canonical_less(const Bytes& a, const Bytes& b) {
  std::uint8_t la[128], lb[128];
  std::size_t na = 0, nb = 0;
  for (std::size_t i = 0; a[i] != 0; i += 1u + a[i]) la[na++] = static_cast<std::uint8_t>(i);
  for (std::size_t i = 0; b[i] != 0; i += 1u + b[i]) lb[nb++] = static_cast<std::uint8_t>(i);
  while (na > 0 && nb > 0) {
    const std::uint8_t* pa = a.data() + la[--na];
    const std::uint8_t* pb = b.data() + lb[--nb];
    int c = std::memcmp(pa + 1, pb + 1, std::min(pa[0], pb[0]));
    if (c != 0) return c < 0;
    if (pa[0] != pb[0]) return pa[0] < pb[0];
  }
  return na < nb;
}

struct CanonicalLess {
  bool operator()(const Bytes& a, const Bytes& b) const { return canonical_less(a, b); }
};

/// Records grouped by owner, then by type, in canonical owner order.
using Tree = std::map<Bytes, std::map<std::uint16_t, std::vector<const ParsedRecord*>>, CanonicalLess>;

/// Target name inside the RDATA of types whose targets get additional-section addresses.
const std::uint8_t* additional_target(std::uint16_t type, const Bytes& rdata) {
  std::size_t skip = type == kNS ? 0 : type == kMX ? 2 : type == kSRV ? 6 : SIZE_MAX;
  if (skip == SIZE_MAX || rdata.size() <= skip) return nullptr;
  return rdata.data() + skip;
}

}  // namespace

class ZoneBuilder {
 public:
  ZoneBuilder(const std::string& origin, MasterFile file, const std::vector<DynamicOwner>& dynamic)
      : file_(std::move(file)), dynamic_(dynamic) {
    origin_ = dns::name_from_text(origin);
    dns::name_to_lower(origin_.data(), origin_.size());
  }

  std::shared_ptr<const Zone> build() {
    group();
    check_apex();
    check_owners();
    check_dynamic();
    auto zone = std::shared_ptr<Zone>(new Zone());
    zone->sources_ = file_.sources;
    zone->record_count_ = file_.records.size();
    lay_out(*zone);
    link(*zone);
    for (const DynamicOwner& d : dynamic_) {
      zone->nodes_[static_cast<std::size_t>(index_of(*zone, d.owner.data()))].dynamic = d.record;
    }
    return zone;
  }

 private:
  [[noreturn]] void fail(const ParsedRecord& r, const std::string& message) {
    throw ZoneError(r.file, r.line, message);
  }

  void group() {
    for (const auto& r : file_.records) {
      if (!dns::is_subdomain(r.owner.data(), origin_.data()))
        fail(r, "out-of-zone data: " + text(r.owner) + " is not in " + text(origin_));
      auto& set = tree_[r.owner][r.type];
      for (const ParsedRecord* seen : set) {
        if (seen->rdata == r.rdata)
          fail(r, "duplicate record " + text(r.owner) + " (first at " + where(*seen) + ")");
      }
      if (!set.empty() && set.front()->ttl != r.ttl) {
        log::warn(where(r) + ": TTL " + std::to_string(r.ttl) + " differs within the RRset " + text(r.owner) +
                  "; using " + std::to_string(set.front()->ttl) + " from " + where(*set.front()));
      }
      set.push_back(&r);
    }
  }

  void check_apex() {
    auto apex = tree_.find(origin_);
    std::string file = file_.sources.empty() ? std::string() : file_.sources.front().path;
    if (apex == tree_.end() || !apex->second.count(kSOA))
      throw ZoneError(file, 0, "no SOA at the apex " + text(origin_));
    const auto& soa = apex->second.at(kSOA);
    if (soa.size() > 1) fail(*soa[1], "more than one SOA at the apex (first at " + where(*soa[0]) + ")");
    if (soa[0]->rdata.size() < 22) fail(*soa[0], "malformed SOA");
    if (!apex->second.count(kNS)) fail(*soa[0], "no NS records at the apex " + text(origin_));
  }

  /// The topmost delegation strictly between the apex and `name` (inclusive of `name`), if any.
  const Bytes* cut_above(const Bytes& name) const {
    const Bytes* found = nullptr;
    for (const std::uint8_t* p = name.data(); p && !dns::name_equal(p, origin_.data());
         p = dns::parent_name(p)) {
      auto it = tree_.find(Bytes(p, p + dns::name_length(p)));
      if (it != tree_.end() && it->second.count(kNS)) found = &it->first;
    }
    return found;
  }

  void check_owners() {
    for (const auto& [owner, types] : tree_) {
      bool apex = owner == origin_;
      if (auto soa = types.find(kSOA); soa != types.end() && !apex)
        fail(*soa->second.front(), "SOA record outside the apex");
      if (auto cname = types.find(kCNAME); cname != types.end()) {
        if (cname->second.size() > 1) fail(*cname->second[1], "more than one CNAME at " + text(owner));
        for (const auto& [type, recs] : types) {
          // RFC 1034 3.6.2: a CNAME owner has no other data (DNSSEC records aside, RFC 4035 2.5).
          if (type != kCNAME && type != dns::rrtype::kRRSIG && type != dns::rrtype::kNSEC)
            fail(*recs.front(), "CNAME and other data at " + text(owner) + " (CNAME at " +
                                    where(*cname->second.front()) + ")");
        }
        if (apex) fail(*cname->second.front(), "CNAME at the zone apex");
      }
      if (types.count(dns::rrtype::kDNAME))
        fail(*types.at(dns::rrtype::kDNAME).front(), "DNAME is not supported");
      if (apex) continue;
      const Bytes* cut = cut_above(owner);
      if (!cut) {
        if (types.count(kDS))
          fail(*types.at(kDS).front(), "DS record at " + text(owner) + " which is not a delegation");
        continue;
      }
      for (const auto& [type, recs] : types) {
        bool at_cut = *cut == owner;
        bool allowed = at_cut ? (type == kNS || type == kDS) : (type == kA || type == kAAAA);
        if (!allowed)
          fail(*recs.front(),
               text(owner) + " " + (at_cut ? "has data beside the delegation" : "is below the delegation") +
                   " at " + text(*cut) + ": only NS and DS at a cut, and A/AAAA glue below it");
      }
    }
  }

  /// A dynamic name needs a node (its static records, if any, are the answer of last resort and what a
  /// plain secondary serves), and it cannot be an alias or hidden below a delegation.
  void check_dynamic() {
    std::string file = file_.sources.empty() ? std::string() : file_.sources.front().path;
    for (const DynamicOwner& d : dynamic_) {
      if (!dns::is_subdomain(d.owner.data(), origin_.data()))
        throw ZoneError(file, 0, "dynamic record " + text(d.owner) + " is not in " + text(origin_));
      auto& types = tree_[d.owner];
      if (auto cname = types.find(kCNAME); cname != types.end())
        fail(*cname->second.front(), "CNAME at " + text(d.owner) + ", which is a dynamic record");
      if (const Bytes* cut = cut_above(d.owner); cut && d.owner != origin_)
        throw ZoneError(file, 0,
                        "dynamic record " + text(d.owner) + " is at or below the delegation " + text(*cut));
    }
  }

  void add_node(Zone& zone, const Bytes& name) {
    Node n;
    n.name_offset = static_cast<std::uint32_t>(zone.names_.size());
    n.name_len = static_cast<std::uint8_t>(name.size());
    zone.names_.insert(zone.names_.end(), name.begin(), name.end());
    zone.nodes_.push_back(n);
  }

  void lay_out(Zone& zone) {
    // Every ancestor of an owner up to the apex is a node too: empty non-terminals must answer NODATA and
    // stop wildcard matching (RFC 4592 section 2.2.2).
    std::set<Bytes, CanonicalLess> names;
    for (const auto& entry : tree_) {
      for (const std::uint8_t* p = entry.first.data(); p; p = dns::parent_name(p)) {
        names.insert(Bytes(p, p + dns::name_length(p)));
        if (dns::name_equal(p, origin_.data())) break;
      }
    }
    zone.names_.reserve(names.size() * 24);
    for (const Bytes& name : names) add_node(zone, name);  // canonical order puts the apex first
    for (std::size_t i = 0; i < zone.nodes_.size(); ++i) {
      Node& node = zone.nodes_[i];
      Bytes name(zone.names_.data() + node.name_offset,
                 zone.names_.data() + node.name_offset + node.name_len);
      node.rrset_begin = static_cast<std::uint32_t>(zone.rrsets_.size());
      auto it = tree_.find(name);
      if (it == tree_.end()) {
        node.flags |= node_flag::kEmptyNonTerminal;
        continue;
      }
      for (const auto& [type, recs] : it->second) add_rrset(zone, type, recs);
      node.rrset_count = static_cast<std::uint16_t>(zone.rrsets_.size() - node.rrset_begin);
    }
    zone.index_.reset(zone.nodes_.size());
    for (std::size_t i = 0; i < zone.nodes_.size(); ++i) {
      const Node& n = zone.nodes_[i];
      zone.index_.insert(name_hash(zone.names_.data() + n.name_offset, n.name_len),
                         static_cast<std::int32_t>(i));
    }
  }

  void add_rrset(Zone& zone, std::uint16_t type, const std::vector<const ParsedRecord*>& recs) {
    RRset s;
    s.type = type;
    s.count = static_cast<std::uint16_t>(recs.size());
    s.ttl = recs.front()->ttl;
    s.rdata_begin = static_cast<std::uint32_t>(zone.rdata_.size());
    for (const ParsedRecord* r : recs) {
      zone.rdata_.push_back(static_cast<std::uint8_t>(r->rdata.size() >> 8));
      zone.rdata_.push_back(static_cast<std::uint8_t>(r->rdata.size()));
      zone.rdata_.insert(zone.rdata_.end(), r->rdata.begin(), r->rdata.end());
    }
    s.rdata_size = static_cast<std::uint32_t>(zone.rdata_.size() - s.rdata_begin);
    zone.rrsets_.push_back(s);
  }

  std::int32_t index_of(const Zone& zone, const std::uint8_t* lname) const {
    const Node* n = zone.find(lname, dns::name_length(lname));
    return n ? static_cast<std::int32_t>(n - zone.nodes_.data()) : -1;
  }

  void link(Zone& zone) {
    zone.nodes_[0].flags |= node_flag::kApex;
    const RRset* soa = zone.find_rrset(zone.nodes_[0], kSOA);
    const std::uint8_t* soa_rdata = (*zone.rdata(*soa).begin()).data;
    std::uint16_t soa_len = (*zone.rdata(*soa).begin()).size;
    auto u32 = [&](std::size_t at) {
      const std::uint8_t* p = soa_rdata + at;
      return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    };
    zone.serial_ = u32(soa_len - 20u);
    zone.negative_ttl_ = std::min(soa->ttl, u32(soa_len - 4u));

    for (std::size_t i = 1; i < zone.nodes_.size(); ++i) {
      Node& n = zone.nodes_[i];
      const std::uint8_t* name = zone.names_.data() + n.name_offset;
      if (zone.find_rrset(n, kNS)) n.flags |= node_flag::kDelegation;
      if (name[0] == 1 && name[1] == '*') n.flags |= node_flag::kWildcard;
      // Canonical order visits parents first, so the parent's cut is already known.
      std::int32_t parent = index_of(zone, dns::parent_name(name));
      const Node& p = zone.nodes_[static_cast<std::size_t>(parent)];
      n.cut = p.cut >= 0 ? p.cut : (n.flags & node_flag::kDelegation) ? static_cast<std::int32_t>(i) : -1;
      if (p.cut >= 0) n.flags |= node_flag::kBelowCut;
      if (n.flags & node_flag::kWildcard)
        zone.nodes_[static_cast<std::size_t>(parent)].wildcard = static_cast<std::int32_t>(i);
    }
    for (RRset& s : zone.rrsets_) link_additional(zone, s);
  }

  void link_additional(Zone& zone, RRset& s) {
    if (s.type != kNS && s.type != kMX && s.type != kSRV) return;
    s.additional_begin = static_cast<std::uint32_t>(zone.additional_.size());
    for (auto item : zone.rdata(s)) {
      Bytes rdata(item.data, item.data + item.size);
      const std::uint8_t* target = additional_target(s.type, rdata);
      if (!target) continue;
      Bytes lower(target, target + dns::name_length(target));
      dns::name_to_lower(lower.data(), lower.size());
      std::int32_t idx = index_of(zone, lower.data());
      if (idx < 0) continue;
      const Node& t = zone.nodes_[static_cast<std::size_t>(idx)];
      if (!zone.find_rrset(t, kA) && !zone.find_rrset(t, kAAAA)) continue;
      auto begin = zone.additional_.begin() + s.additional_begin;
      if (std::find(begin, zone.additional_.end(), idx) == zone.additional_.end())
        zone.additional_.push_back(idx);
    }
    s.additional_count = static_cast<std::uint32_t>(zone.additional_.size() - s.additional_begin);
  }

  MasterFile file_;
  const std::vector<DynamicOwner>& dynamic_;
  Bytes origin_;
  Tree tree_;
};

std::shared_ptr<const Zone> Zone::build(const std::string& origin, MasterFile file,
                                        const std::vector<DynamicOwner>& dynamic) {
  return ZoneBuilder(origin, std::move(file), dynamic).build();
}

std::shared_ptr<const Zone> Zone::load(const std::string& origin, const std::string& path,
                                       const std::vector<DynamicOwner>& dynamic) {
  return build(origin, read_master_file(path, origin), dynamic);
}

}  // namespace sgdns::zone
