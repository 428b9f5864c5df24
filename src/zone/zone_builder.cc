// SPDX-License-Identifier: MIT
// Compiles parsed master-file records into a Zone: groups RRsets, runs the load-time checks, resolves node
// flags, delegation cuts, wildcard children and additional-section targets (Knot's "adjust" step).
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "content_digest.h"
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
  return r.file.str() + ":" + std::to_string(r.line);
}
std::string text(const Bytes& name) {
  return dns::name_to_text(name.data());
}

}  // namespace

class ZoneBuilder {
 public:
  ZoneBuilder(const std::string& origin, MasterFile file, const std::vector<DynamicOwner>& dynamic)
      : file_(std::move(file)), dynamic_(dynamic), zone_(new Zone()) {
    origin_ = dns::name_from_text(origin);
    dns::name_to_lower(origin_.data(), origin_.size());
  }

  std::shared_ptr<const Zone> build() {
    zone_->sources_ = file_.sources;
    zone_->record_count_ = file_.records.size();
    zone_->content_digest_ = content_digest(file_.records);
    create_nodes();
    group();
    check_apex();
    compute_cuts();
    check_owners();
    check_dynamic();
    lay_out();
    link();
    for (const DynamicOwner& d : dynamic_)
      zone_->nodes_[static_cast<std::size_t>(find(d.owner.data()))].dynamic = d.record;
    return zone_;
  }

 private:
  /// A record's place: its owner's node and its type; sorting these groups the RRsets.
  struct Entry {
    std::uint32_t node;
    std::uint16_t type;
    std::uint32_t record;  // index into file_.records: file order within an RRset
  };

  [[noreturn]] void fail(const ParsedRecord& r, const std::string& message) {
    throw ZoneError(r.file.str(), r.line, message);
  }
  /// The zone's own file, for errors no one record is to blame for (read from text: the name given).
  std::string top_file() const {
    if (!file_.sources.empty()) return file_.sources.front().path;
    return file_.records.empty() ? std::string() : file_.records.front().file.str();
  }
  const std::uint8_t* name_of(std::size_t node) const {
    return zone_->names_.data() + zone_->nodes_[node].name_offset;
  }
  Bytes name_bytes(std::size_t node) const {
    const std::uint8_t* p = name_of(node);
    return Bytes(p, p + zone_->nodes_[node].name_len);
  }

  // ---- nodes: one per owner and per ancestor up to the apex, parents always before their children ----

  std::int32_t find(const std::uint8_t* lname) const { return find(lname, dns::name_length(lname)); }
  std::int32_t find(const std::uint8_t* lname, std::size_t len) const {
    const Node* n = zone_->find(lname, len);
    return n ? static_cast<std::int32_t>(n - zone_->nodes_.data()) : -1;
  }

  std::int32_t add_node(const std::uint8_t* name, std::size_t len, std::int32_t parent) {
    Node n;
    n.name_offset = static_cast<std::uint32_t>(zone_->names_.size());
    n.name_len = static_cast<std::uint8_t>(len);
    n.flags = node_flag::kEmptyNonTerminal;  // until records or a dynamic record claim it
    zone_->names_.insert(zone_->names_.end(), name, name + len);
    zone_->nodes_.push_back(n);
    parent_.push_back(parent);
    const auto index = static_cast<std::int32_t>(zone_->nodes_.size() - 1);
    if (zone_->nodes_.size() > capacity_) {
      // Sized from the record count up front, so this doubling is for zones of mostly empty non-terminals.
      rebuild_index(capacity_ * 2);
    } else {
      zone_->index_.insert(name_hash(name, len), index);
    }
    return index;
  }

  void rebuild_index(std::size_t capacity) {
    capacity_ = capacity;
    zone_->index_.reset(capacity);
    for (std::size_t i = 0; i < zone_->nodes_.size(); ++i)
      zone_->index_.insert(name_hash(name_of(i), zone_->nodes_[i].name_len), static_cast<std::int32_t>(i));
  }

  /// The node of `name` (lowercase, at or below the origin), created with its missing ancestors.
  std::int32_t node_for(const std::uint8_t* name, std::size_t len) {
    if (std::int32_t found = find(name, len); found >= 0) return found;
    // Walk up to the closest existing ancestor (the apex at worst), then create top-down.
    const std::uint8_t* chain[128];
    std::size_t lens[128];
    std::size_t depth = 0;
    const std::uint8_t* p = name;
    std::int32_t parent = -1;
    while (true) {
      chain[depth] = p;
      lens[depth++] = len;
      len -= 1u + p[0];
      p = dns::parent_name(p);
      if ((parent = find(p, len)) >= 0) break;
    }
    while (depth > 0) {
      --depth;
      parent = add_node(chain[depth], lens[depth], parent);
    }
    return parent;
  }

  void create_nodes() {
    zone_->names_.reserve(file_.records.size() * 20);
    zone_->nodes_.reserve(file_.records.size() + 16);
    rebuild_index(file_.records.size() + dynamic_.size() + 16);
    add_node(origin_.data(), origin_.size(), -1);  // nodes_[0] is the apex
    entries_.reserve(file_.records.size());
    std::int32_t last_node = 0;
    for (std::size_t i = 0; i < file_.records.size(); ++i) {
      const ParsedRecord& r = file_.records[i];
      if (!dns::is_subdomain(r.owner.data(), origin_.data()))
        fail(r, "out-of-zone data: " + text(r.owner) + " is not in " + text(origin_));
      // Records of one owner are usually adjacent: skip the lookup when the owner repeats.
      const bool same_owner = i > 0 && r.owner == file_.records[i - 1].owner;
      const std::int32_t node = same_owner ? last_node : node_for(r.owner.data(), r.owner.size());
      last_node = node;
      entries_.push_back(Entry{static_cast<std::uint32_t>(node), r.type, static_cast<std::uint32_t>(i)});
    }
    for (const DynamicOwner& d : dynamic_) {
      if (!dns::is_subdomain(d.owner.data(), origin_.data()))
        throw ZoneError(top_file(), 0, "dynamic record " + text(d.owner) + " is not in " + text(origin_));
      const std::int32_t node = node_for(d.owner.data(), d.owner.size());
      zone_->nodes_[static_cast<std::size_t>(node)].flags &=
          static_cast<std::uint8_t>(~node_flag::kEmptyNonTerminal);
    }
    rebuild_index(zone_->nodes_.size());  // the final size, no larger than the lookups need
  }

  // ---- RRsets: entries sorted by node, then type ascending, then file order ----

  void group() {
    // Counting sort by node (O(n)), then each node's few entries by type; stable keeps file order.
    std::vector<std::uint32_t> start(zone_->nodes_.size() + 1, 0);
    for (const Entry& e : entries_) ++start[e.node + 1];
    for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    std::vector<Entry> sorted(entries_.size());
    {
      std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
      for (const Entry& e : entries_) sorted[next[e.node]++] = e;
    }
    entries_ = std::move(sorted);
    node_entries_ = std::move(start);
    for (std::size_t n = 0; n < zone_->nodes_.size(); ++n) {
      auto first = entries_.begin() + node_entries_[n], last = entries_.begin() + node_entries_[n + 1];
      if (first == last) continue;
      std::stable_sort(first, last, [](const Entry& a, const Entry& b) { return a.type < b.type; });
      zone_->nodes_[n].flags &= static_cast<std::uint8_t>(~node_flag::kEmptyNonTerminal);
      for_each_rrset(n, [&](const Entry* run, const Entry* run_end) { check_rrset(run, run_end); });
    }
  }

  const ParsedRecord& record(const Entry& e) const { return file_.records[e.record]; }

  /// Node n's entries, as [first, last).
  std::pair<const Entry*, const Entry*> entries_of(std::size_t n) const {
    return {entries_.data() + node_entries_[n], entries_.data() + node_entries_[n + 1]};
  }

  /// Calls fn(first, last) for each RRset of node n (a run of one type), in type order.
  template <class Fn>
  void for_each_rrset(std::size_t n, Fn&& fn) const {
    auto [it, last] = entries_of(n);
    while (it != last) {
      const Entry* end = it;
      while (end != last && end->type == it->type) ++end;
      fn(it, end);
      it = end;
    }
  }

  /// Duplicates and differing TTLs within one RRset [first, last), reported as a reading in file order would.
  void check_rrset(const Entry* first, const Entry* last) {
    const ParsedRecord& head = record(*first);
    const auto count = static_cast<std::size_t>(last - first);
    if (count > 1) {
      // The duplicate to report is the earliest record in file order that repeats an earlier one.
      const ParsedRecord* duplicate = nullptr;
      const ParsedRecord* original = nullptr;
      if (count <= 32) {
        for (auto b = first + 1; b != last && !duplicate; ++b) {
          for (auto a = first; a != b; ++a) {
            if (record(*a).rdata == record(*b).rdata) {
              duplicate = &record(*b);
              original = &record(*a);
              break;
            }
          }
        }
      } else {
        // A large RRset: sort by RDATA, then file order. In each run of equal RDATA the first element is the
        // original and the second the first repeat; the repeat earliest in the file is the one to report.
        std::vector<std::uint32_t> order;
        for (auto it = first; it != last; ++it) order.push_back(it->record);
        const auto compare = [&](std::uint32_t a, std::uint32_t b) {
          const Bytes &ra = file_.records[a].rdata, &rb = file_.records[b].rdata;
          const std::size_t common = std::min(ra.size(), rb.size());
          const int c = common == 0 ? 0 : std::memcmp(ra.data(), rb.data(), common);
          if (c != 0) return c;
          return ra.size() == rb.size() ? 0 : ra.size() < rb.size() ? -1 : 1;
        };
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
          const int c = compare(a, b);
          return c != 0 ? c < 0 : a < b;
        });
        for (std::size_t i = 1; i < order.size(); ++i) {
          const bool second_of_run =
              compare(order[i - 1], order[i]) == 0 && (i == 1 || compare(order[i - 2], order[i - 1]) != 0);
          if (!second_of_run) continue;
          const ParsedRecord& repeat = file_.records[order[i]];
          if (!duplicate || &repeat < duplicate) {
            duplicate = &repeat;
            original = &file_.records[order[i - 1]];
          }
        }
      }
      if (duplicate)
        fail(*duplicate,
             "duplicate record " + text(duplicate->owner) + " (first at " + where(*original) + ")");
    }
    for (auto it = first + 1; it != last; ++it) {
      const ParsedRecord& r = record(*it);
      if (r.ttl != head.ttl) {
        log::warn(where(r) + ": TTL " + std::to_string(r.ttl) + " differs within the RRset " + text(r.owner) +
                  "; using " + std::to_string(head.ttl) + " from " + where(head));
      }
    }
  }

  /// The entries of `node` with `type`, as [first, last); empty when there are none.
  std::pair<const Entry*, const Entry*> typed(std::size_t node, std::uint16_t type) const {
    auto [first, last] = entries_of(node);
    while (first != last && first->type < type) ++first;
    const Entry* end = first;
    while (end != last && end->type == type) ++end;
    return {first, end};
  }
  bool has(std::size_t node, std::uint16_t type) const {
    auto [first, last] = typed(node, type);
    return first != last;
  }

  // ---- checks ----

  void check_apex() {
    if (!has(0, kSOA)) throw ZoneError(top_file(), 0, "no SOA at the apex " + text(origin_));
    auto [first, last] = typed(0, kSOA);
    if (last - first > 1)
      fail(record(first[1]), "more than one SOA at the apex (first at " + where(record(first[0])) + ")");
    if (record(first[0]).rdata.size() < 22) fail(record(first[0]), "malformed SOA");
    if (!has(0, kNS)) fail(record(first[0]), "no NS records at the apex " + text(origin_));
  }

  /// cut_[n]: the topmost delegation strictly below the apex at or above node n, or -1. Parents come first.
  void compute_cuts() {
    cut_.assign(zone_->nodes_.size(), -1);
    for (std::size_t n = 1; n < zone_->nodes_.size(); ++n) {
      const std::int32_t parent_cut = cut_[static_cast<std::size_t>(parent_[n])];
      cut_[n] = parent_cut >= 0 ? parent_cut : has(n, kNS) ? static_cast<std::int32_t>(n) : -1;
    }
  }

  void check_owners() {
    for (std::size_t n = 0; n < zone_->nodes_.size(); ++n) {
      auto [first, last] = entries_of(n);
      if (first == last) continue;
      const bool apex = n == 0;
      if (auto [soa, soa_end] = typed(n, kSOA); soa != soa_end && !apex)
        fail(record(*soa), "SOA record outside the apex");
      if (auto [cname, cname_end] = typed(n, kCNAME); cname != cname_end) {
        if (cname_end - cname > 1) fail(record(cname[1]), "more than one CNAME at " + text(name_bytes(n)));
        for (const Entry* e = first; e != last; ++e) {
          // RFC 1034 3.6.2: a CNAME owner has no other data (DNSSEC records aside, RFC 4035 2.5).
          if (e->type != kCNAME && e->type != dns::rrtype::kRRSIG && e->type != dns::rrtype::kNSEC)
            fail(record(*e), "CNAME and other data at " + text(name_bytes(n)) + " (CNAME at " +
                                 where(record(*cname)) + ")");
        }
        if (apex) fail(record(*cname), "CNAME at the zone apex");
      }
      if (auto [dname, dname_end] = typed(n, dns::rrtype::kDNAME); dname != dname_end)
        fail(record(*dname), "DNAME is not supported");
      if (apex) continue;
      const std::int32_t cut = cut_[n];
      if (cut < 0) {
        if (auto [ds, ds_end] = typed(n, kDS); ds != ds_end)
          fail(record(*ds), "DS record at " + text(name_bytes(n)) + " which is not a delegation");
        continue;
      }
      const bool at_cut = static_cast<std::size_t>(cut) == n;
      for (const Entry* e = first; e != last; ++e) {
        const bool allowed =
            at_cut ? (e->type == kNS || e->type == kDS) : (e->type == kA || e->type == kAAAA);
        if (!allowed)
          fail(record(*e), text(name_bytes(n)) + " " +
                               (at_cut ? "has data beside the delegation" : "is below the delegation") +
                               " at " + text(name_bytes(static_cast<std::size_t>(cut))) +
                               ": only NS and DS at a cut, and A/AAAA glue below it");
      }
    }
  }

  /// A dynamic name needs a node (its static records, if any, are the answer of last resort and what a
  /// plain secondary serves), and it cannot be an alias or hidden below a delegation.
  void check_dynamic() {
    for (const DynamicOwner& d : dynamic_) {
      const auto n = static_cast<std::size_t>(find(d.owner.data()));
      if (auto [cname, cname_end] = typed(n, kCNAME); cname != cname_end)
        fail(record(*cname), "CNAME at " + text(d.owner) + ", which is a dynamic record");
      if (cut_[n] >= 0 && n != 0)
        throw ZoneError(top_file(), 0,
                        "dynamic record " + text(d.owner) + " is at or below the delegation " +
                            text(name_bytes(static_cast<std::size_t>(cut_[n]))));
    }
  }

  // ---- layout and links ----

  void lay_out() {
    Zone& zone = *zone_;
    zone.rrsets_.reserve(file_.records.size());  // at most one RRset per record; no doubling
    std::size_t rdata_bytes = 0;
    for (const ParsedRecord& r : file_.records) rdata_bytes += 2 + r.rdata.size();
    zone.rdata_.reserve(rdata_bytes);
    for (std::size_t n = 0; n < zone.nodes_.size(); ++n) {
      Node& node = zone.nodes_[n];
      node.rrset_begin = static_cast<std::uint32_t>(zone.rrsets_.size());
      for_each_rrset(n, [&](const Entry* first, const Entry* last) { add_rrset(first, last); });
      node.rrset_count = static_cast<std::uint16_t>(zone.rrsets_.size() - node.rrset_begin);
    }
  }

  void add_rrset(const Entry* first, const Entry* last) {
    Zone& zone = *zone_;
    RRset s;
    s.type = first->type;
    s.count = static_cast<std::uint16_t>(last - first);
    s.ttl = record(*first).ttl;
    s.rdata_begin = static_cast<std::uint32_t>(zone.rdata_.size());
    for (const Entry* e = first; e != last; ++e) {
      const Bytes& rdata = record(*e).rdata;
      zone.rdata_.push_back(static_cast<std::uint8_t>(rdata.size() >> 8));
      zone.rdata_.push_back(static_cast<std::uint8_t>(rdata.size()));
      zone.rdata_.insert(zone.rdata_.end(), rdata.begin(), rdata.end());
    }
    s.rdata_size = static_cast<std::uint32_t>(zone.rdata_.size() - s.rdata_begin);
    zone.rrsets_.push_back(s);
  }

  void link() {
    Zone& zone = *zone_;
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
      const std::uint8_t* name = name_of(i);
      if (zone.find_rrset(n, kNS)) n.flags |= node_flag::kDelegation;
      if (name[0] == 1 && name[1] == '*') n.flags |= node_flag::kWildcard;
      const auto parent = static_cast<std::size_t>(parent_[i]);
      n.cut = cut_[i];
      if (cut_[parent] >= 0) n.flags |= node_flag::kBelowCut;
      if (n.flags & node_flag::kWildcard) zone.nodes_[parent].wildcard = static_cast<std::int32_t>(i);
    }
    for (RRset& s : zone.rrsets_) link_additional(s);
  }

  void link_additional(RRset& s) {
    if (s.type != kNS && s.type != kMX && s.type != kSRV) return;
    Zone& zone = *zone_;
    s.additional_begin = static_cast<std::uint32_t>(zone.additional_.size());
    for (auto item : zone.rdata(s)) {
      const std::size_t skip = s.type == kNS ? 0 : s.type == kMX ? 2 : 6;
      if (item.size <= skip) continue;
      const std::uint8_t* target = item.data + skip;
      std::uint8_t lower[dns::kMaxNameLen];
      const std::size_t len = dns::name_length(target);
      std::memcpy(lower, target, len);
      dns::name_to_lower(lower, len);
      const std::int32_t idx = find(lower, len);
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
  std::shared_ptr<Zone> zone_;
  std::vector<std::int32_t> parent_;         // per node; -1 for the apex
  std::size_t capacity_ = 0;                 // names the index is sized for
  std::vector<Entry> entries_;               // one per record; grouped by node after group()
  std::vector<std::uint32_t> node_entries_;  // node n's entries are [node_entries_[n], node_entries_[n+1])
  std::vector<std::int32_t> cut_;            // per node, see compute_cuts()
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
