// SPDX-License-Identifier: MIT
// walk_database: visits every network with data in a MaxMind DB's search tree, once, at load time.
#include <algorithm>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "mmdb_file.h"
#include "sgdns/geo/mmdb.h"

namespace sgdns::geo {
namespace {

using detail::MmdbFile;

constexpr std::uint32_t kNoNode = 0xffffffffu;

class Walker {
 public:
  Walker(const MmdbFile& file, detail::FieldReader& reader, const RecordVisitor& visit)
      : file_(file), reader_(reader), visit_(visit) {
    const MMDB_metadata_s& metadata = file_.db().metadata;
    v6_ = metadata.ip_version == 6;
    tree_bits_ = v6_ ? 128 : 32;
    // Every node is entered once in a well-formed tree (aliases are skipped), so far more entries than
    // nodes means a loop in a corrupt file: fail instead of walking forever.
    budget_ = 4 * static_cast<std::uint64_t>(metadata.node_count) + 16;
    if (v6_) ipv4_node_ = find_ipv4_node();
  }

  std::uint64_t run() {
    enter(0, 0);
    return networks_;
  }
  [[nodiscard]] std::uint64_t records() const noexcept { return locations_.size(); }

 private:
  MMDB_search_node_s read(std::uint32_t number) const {
    MMDB_search_node_s node{};
    const int status = MMDB_read_node(&file_.db(), number, &node);
    if (status != MMDB_SUCCESS) detail::throw_mmdb_error(file_.path(), status);
    return node;
  }

  /// The node at ::/96, where an IPv6 tree keeps IPv4 and where its alias records point.
  std::uint32_t find_ipv4_node() const {
    std::uint32_t number = 0;
    for (int depth = 0; depth < 96; ++depth) {
      const MMDB_search_node_s node = read(number);
      if (node.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE) return kNoNode;
      number = static_cast<std::uint32_t>(node.left_record);
    }
    return number;
  }

  /// Node `number` covers the first `depth` bits of address_.
  void enter(std::uint32_t number, int depth) {
    if (budget_-- == 0) corrupt("search tree revisits nodes");
    const MMDB_search_node_s node = read(number);
    set_bit(depth, 0);
    follow(node.left_record, node.left_record_type, node.left_record_entry, depth + 1);
    set_bit(depth, 1);
    follow(node.right_record, node.right_record_type, node.right_record_entry, depth + 1);
    set_bit(depth, 0);
  }

  /// One child record: the network of the first `length` bits of address_.
  void follow(std::uint64_t record, std::uint8_t type, MMDB_entry_s entry, int length) {
    if (is_alias_prefix(length)) return;
    switch (type) {
      case MMDB_RECORD_TYPE_SEARCH_NODE:
        if (length >= tree_bits_) corrupt("search node below the last address bit");
        // Another record pointing at the IPv4 subtree (e.g. Teredo, 2001::/32) repeats it too.
        if (v6_ && record == ipv4_node_ && !is_ipv4_root(length)) return;
        enter(static_cast<std::uint32_t>(record), length);
        return;
      case MMDB_RECORD_TYPE_EMPTY:
        return;
      case MMDB_RECORD_TYPE_DATA:
        visit_record(length, entry);
        ++networks_;
        return;
      default:
        corrupt("record points outside the file");
    }
  }

  /// ::ffff:0:0/96 and 2002::/16 hold IPv4 space again (IPv4-mapped, 6to4); skipped even when they
  /// carry their own data, since NetMap folds IPv4-mapped addresses to ::/96 anyway.
  bool is_alias_prefix(int length) const {
    if (!v6_) return false;
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (length == 96) return std::memcmp(address_, kMapped, sizeof kMapped) == 0;
    if (length == 16) return address_[0] == 0x20 && address_[1] == 0x02;
    return false;
  }

  bool is_ipv4_root(int length) const {
    static constexpr std::uint8_t kZero[12] = {};
    return length == 96 && std::memcmp(address_, kZero, sizeof kZero) == 0;
  }

  Network network(int length) const {
    return v6_ ? Network::from_v6(address_, length) : Network::from_v4(address_, length);
  }

  /// Many networks share one data record (a city's, an AS's): decode each only once.
  void visit_record(int length, MMDB_entry_s entry) {
    // Open addressing over (offset + 1, index) pairs: a GeoLite2-City walk asks this for each of ~4 million
    // networks, and a node-based map's cache misses were most of the load time.
    if (2 * (locations_.size() + 1) > table_.size()) grow();
    const std::size_t mask = table_.size() - 1;
    for (std::size_t at = hash(entry.offset) & mask;; at = (at + 1) & mask) {
      Slot& slot = table_[at];
      if (slot.key == entry.offset + 1) return visit_(network(length), locations_[slot.index], slot.index);
      if (slot.key == 0) {
        slot = {entry.offset + 1, static_cast<std::uint32_t>(locations_.size())};
        const std::uint32_t index = slot.index;  // decode() may throw; the slot is then never read again
        locations_.push_back(reader_.decode(file_, entry));
        return visit_(network(length), locations_.back(), index);
      }
    }
  }

  static std::size_t hash(std::uint32_t offset) { return (offset * 0x9E3779B1u) >> 7; }

  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(1024, table_.size() * 2));
    old.swap(table_);
    const std::size_t mask = table_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.key == 0) continue;
      std::size_t at = hash(slot.key - 1) & mask;
      while (table_[at].key != 0) at = (at + 1) & mask;
      table_[at] = slot;
    }
  }

  /// address_ holds the walked bits from its first byte: IPv6 trees 128, IPv4 trees 32.
  void set_bit(int index, int value) {
    const auto mask = static_cast<std::uint8_t>(0x80u >> (index & 7));
    address_[index >> 3] =
        static_cast<std::uint8_t>(value ? address_[index >> 3] | mask : address_[index >> 3] & ~mask);
  }

  [[noreturn]] void corrupt(const char* why) const {
    throw GeoError(file_.path() + ": corrupt database (" + why + ")");
  }

  const MmdbFile& file_;
  detail::FieldReader& reader_;
  const RecordVisitor& visit_;
  bool v6_ = false;
  int tree_bits_ = 32;
  std::uint32_t ipv4_node_ = kNoNode;
  std::uint64_t budget_ = 0;
  std::uint64_t networks_ = 0;
  std::uint8_t address_[16] = {};
  struct Slot {
    std::uint32_t key = 0;  // data offset + 1; 0: free
    std::uint32_t index = 0;
  };
  std::vector<Slot> table_;
  std::deque<Location> locations_;  // a deque: references handed to `visit` stay valid
};

}  // namespace

DatabaseInfo walk_database(const DatabaseSpec& spec, const RecordVisitor& visit) {
  const std::string& path = spec.path;
  const MmdbFile file(path);
  DatabaseInfo info;
  info.path = path;
  info.custom_fields = spec.fields.has_value();
  const MMDB_metadata_s& metadata = file.db().metadata;
  if (metadata.database_type != nullptr) info.database_type = metadata.database_type;
  info.build_epoch = metadata.build_epoch;
  if (metadata.ip_version != 4 && metadata.ip_version != 6) {
    throw GeoError(path + ": unsupported ip_version " + std::to_string(metadata.ip_version));
  }
  detail::FieldReader reader(spec.fields ? *spec.fields : common_layout_paths());
  Walker walker(file, reader, visit);
  info.networks = walker.run();
  info.records = walker.records();
  reader.report(info);
  info.layout = recognised_layout(info);
  return info;
}

}  // namespace sgdns::geo
