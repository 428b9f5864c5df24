// SPDX-License-Identifier: MIT
// Zone: one served zone, compiled at load into an immutable, lookup-ready form.
//
// Every owner name, every empty non-terminal between an owner and the apex, is a Node keyed by its
// lowercase wire name. Node flags and links are resolved at load (Knot's adjust step): the delegation
// cut a node sits under, its wildcard child, and for each NS/MX/SRV RRset the in-zone nodes whose
// addresses belong in the additional section. The query path only reads.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sgdns/zone/master_reader.h"
#include "sgdns/zone/name_index.h"

namespace sgdns::zone {

struct RRset {
  std::uint16_t type = 0;
  std::uint16_t count = 0;  // RRs
  std::uint32_t ttl = 0;
  std::uint32_t rdata_begin = 0;  // into Zone::rdata(): `count` entries of [u16 length][rdata]
  std::uint32_t rdata_size = 0;
  std::uint32_t additional_begin = 0;  // into Zone::additional(): nodes whose A/AAAA go in additional
  std::uint32_t additional_count = 0;
};

namespace node_flag {
inline constexpr std::uint8_t kApex = 1, kDelegation = 2, kBelowCut = 4, kEmptyNonTerminal = 8,
                              kWildcard = 16;
}

struct Node {
  std::uint32_t name_offset = 0;  // into Zone::names(): lowercase wire name
  std::uint8_t name_len = 0;
  std::uint8_t flags = 0;
  std::uint16_t rrset_count = 0;
  std::uint32_t rrset_begin = 0;  // into Zone::rrsets()
  std::int32_t cut = -1;          // topmost delegation node at or above this one (never the apex), or -1
  std::int32_t wildcard = -1;     // the node "*.<this name>", or -1
  std::int32_t dynamic = -1;      // the dynamic (policy) record owned here, or -1
};

/// A name whose A/AAAA answers come from a policy record; it gets a node even without zone data.
struct DynamicOwner {
  std::vector<std::uint8_t> owner;  // lowercase wire
  std::int32_t record = -1;
};

/// Iterates the RDATA entries of an RRset.
class RdataRange {
 public:
  struct Item {
    const std::uint8_t* data;
    std::uint16_t size;
  };
  class Iterator {
   public:
    explicit Iterator(const std::uint8_t* p) : p_(p) {}
    Item operator*() const { return Item{p_ + 2, static_cast<std::uint16_t>((p_[0] << 8) | p_[1])}; }
    Iterator& operator++() {
      p_ += 2 + ((p_[0] << 8) | p_[1]);
      return *this;
    }
    bool operator!=(const Iterator& o) const { return p_ != o.p_; }

   private:
    const std::uint8_t* p_;
  };
  RdataRange(const std::uint8_t* begin, const std::uint8_t* end) : begin_(begin), end_(end) {}
  [[nodiscard]] Iterator begin() const { return Iterator(begin_); }
  [[nodiscard]] Iterator end() const { return Iterator(end_); }

 private:
  const std::uint8_t* begin_;
  const std::uint8_t* end_;
};

class Zone {
 public:
  /// Compiles parsed records into a zone; runs every load-time check (SOA and NS at the apex, one SOA,
  /// CNAME beside other data, out-of-zone data, duplicate records, data below a delegation other than
  /// glue). Throws ZoneError naming the file and line of the offending record.
  static std::shared_ptr<const Zone> build(const std::string& origin, MasterFile file,
                                           const std::vector<DynamicOwner>& dynamic = {});
  /// read_master_file + build.
  static std::shared_ptr<const Zone> load(const std::string& origin, const std::string& path,
                                          const std::vector<DynamicOwner>& dynamic = {});

  [[nodiscard]] const std::uint8_t* origin() const noexcept { return names_.data() + nodes_[0].name_offset; }
  [[nodiscard]] std::string origin_text() const;
  [[nodiscard]] const Node& apex() const noexcept { return nodes_[0]; }
  [[nodiscard]] std::uint32_t serial() const noexcept { return serial_; }
  /// RFC 2308 section 5: negative answers use min(SOA TTL, SOA MINIMUM).
  [[nodiscard]] std::uint32_t negative_ttl() const noexcept { return negative_ttl_; }
  [[nodiscard]] const std::vector<SourceFile>& sources() const noexcept { return sources_; }
  [[nodiscard]] std::size_t record_count() const noexcept { return record_count_; }
  /// A digest of every record, independent of their order in the file: a reload compares it to warn
  /// about content that changed while the serial did not (secondaries would never see the change).
  [[nodiscard]] std::uint64_t content_digest() const noexcept { return content_digest_; }

  /// Exact match on a lowercase wire name; nullptr when the name is not in the zone's tree.
  [[nodiscard]] const Node* find(const std::uint8_t* lname, std::size_t len) const noexcept;
  [[nodiscard]] const Node& node(std::int32_t index) const noexcept {
    return nodes_[static_cast<std::size_t>(index)];
  }
  [[nodiscard]] std::span<const Node> nodes() const noexcept { return nodes_; }
  [[nodiscard]] const std::uint8_t* name(const Node& n) const noexcept {
    return names_.data() + n.name_offset;
  }
  [[nodiscard]] std::span<const RRset> rrsets(const Node& n) const noexcept {
    return {rrsets_.data() + n.rrset_begin, n.rrset_count};
  }
  [[nodiscard]] const RRset* find_rrset(const Node& n, std::uint16_t type) const noexcept;
  /// Every RRset of the zone has an index below rrset_count(), for tables kept beside the zone (the
  /// DNSSEC signatures of static data).
  [[nodiscard]] std::size_t rrset_index(const RRset& s) const noexcept {
    return static_cast<std::size_t>(&s - rrsets_.data());
  }
  [[nodiscard]] std::size_t rrset_count() const noexcept { return rrsets_.size(); }
  [[nodiscard]] RdataRange rdata(const RRset& s) const noexcept {
    return {rdata_.data() + s.rdata_begin, rdata_.data() + s.rdata_begin + s.rdata_size};
  }
  [[nodiscard]] std::span<const std::int32_t> additional(const RRset& s) const noexcept {
    return {additional_.data() + s.additional_begin, s.additional_count};
  }

 private:
  friend class ZoneBuilder;
  Zone() = default;

  std::vector<std::uint8_t> names_;
  std::vector<Node> nodes_;  // nodes_[0] is the apex; then file order, every parent before its children
  std::vector<RRset> rrsets_;
  std::vector<std::uint8_t> rdata_;
  std::vector<std::int32_t> additional_;
  NameIndex index_;
  std::vector<SourceFile> sources_;
  std::uint32_t serial_ = 0;
  std::uint32_t negative_ttl_ = 0;
  std::size_t record_count_ = 0;
  std::uint64_t content_digest_ = 0;
};

}  // namespace sgdns::zone
