// SPDX-License-Identifier: MIT
// Zone transfers as a stream of messages: AXFR (RFC 5936), IXFR from the journal (RFC 1995) falling back
// to a full transfer, the single-SOA reply to a client that is current, and TSIG on every message.
#include <cstring>
#include <string>
#include <vector>

#include "sgdns/dns/address.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/serial.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/writer.h"
#include "sgdns/engine/engine.h"
#include "sgdns/util/log.h"

namespace sgdns::engine {
namespace {

/// Room kept at the end of each message for its TSIG record: owner and algorithm names (at most 255
/// bytes each, 30 in practice), fixed fields and a SHA-512 MAC.
constexpr std::size_t kTsigReserve = 640;

/// A run of records to send: packed journal-form records, or the zone itself walked node by node.
struct Segment {
  std::span<const std::uint8_t> bytes;  // empty with walk
  bool walk = false;
};

}  // namespace

struct TransferStream::State {
  std::shared_ptr<const zone::Zone> zone;        // the version being sent, whatever reloads happen
  std::shared_ptr<const zone::Journal> journal;  // the changes being sent, likewise
  std::vector<std::uint8_t> soa;                 // the zone's SOA, journal form
  std::optional<dns::TsigKey> key;
  std::unique_ptr<dns::TsigSigner> signer;
  std::uint16_t id = 0;
  std::uint8_t qname[dns::kMaxNameLen] = {};
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool refuse = false;
  bool first = true;
  bool finished = false;
  std::vector<Segment> segments;
  std::size_t seg = 0;
  std::size_t off = 0;                      // into a bytes segment
  std::size_t node = 0, rrset = 0, rr = 0;  // walk cursor: node, RRset of the node, RR of the RRset

  /// Writes what fits of the current segment; false when the message is full.
  bool fill(dns::Writer& w);
  bool fill_bytes(dns::Writer& w, std::span<const std::uint8_t> bytes);
  bool fill_walk(dns::Writer& w);
};

bool TransferStream::State::fill_bytes(dns::Writer& w, std::span<const std::uint8_t> bytes) {
  while (off < bytes.size()) {
    bool fit = true;
    std::size_t len = 0;
    zone::for_each_record(bytes.subspan(off), [&](const zone::WireRecord& r) {
      if (!fit || len != 0) return;  // only the first record of the rest
      len = dns::name_length(r.owner) + 10 + r.rdlen;
      fit = w.put_rr(r.owner, r.type, r.rclass, r.ttl, r.rdata, r.rdlen);
    });
    // A record that cannot fit even an empty message is skipped rather than stalling the transfer.
    if (!fit && w.count(dns::Section::Answer) > 0) return false;
    off += len;
  }
  return true;
}

bool TransferStream::State::fill_walk(dns::Writer& w) {
  const zone::Zone& z = *zone;
  auto nodes = z.nodes();
  for (; node < nodes.size(); ++node, rrset = 0) {
    auto sets = z.rrsets(nodes[node]);
    for (; rrset < sets.size(); ++rrset, rr = 0) {
      const zone::RRset& set = sets[rrset];
      if (set.type == dns::rrtype::kSOA) continue;  // first and last, from the SOA segments
      std::size_t k = 0;
      for (auto rd : z.rdata(set)) {
        if (k++ < rr) continue;
        if (!w.put_rr(z.name(nodes[node]), set.type, dns::rrclass::kIN, set.ttl, rd.data, rd.size) &&
            w.count(dns::Section::Answer) > 0)
          return false;
        ++rr;
      }
    }
  }
  return true;
}

bool TransferStream::State::fill(dns::Writer& w) {
  while (seg < segments.size()) {
    const Segment& s = segments[seg];
    if (!(s.walk ? fill_walk(w) : fill_bytes(w, s.bytes))) return false;
    ++seg;
    off = 0;
  }
  return true;
}

namespace {

std::shared_ptr<const zone::Zone> owning(const World& world, const zone::Zone* z) {
  for (const auto& p : world.zones.zones())
    if (p.get() == z) return p;
  return nullptr;
}

}  // namespace

bool transfer_allowed(const World& world, const zone::Zone& zone, const Client& client) {
  const ZoneReplication* rep = world.replication_of(&zone);
  if (!rep || !rep->transfer_set) return dns::address_in(world.options.axfr_allow, client.address);
  for (const TransferRule& rule : rep->transfer) {
    if (rule.prefix && !dns::address_in(std::span<const Prefix>(&*rule.prefix, 1), client.address)) continue;
    if (!rule.key.empty() && (!client.key || client.key->name_text != rule.key)) continue;
    return true;
  }
  return false;
}

TransferStream::TransferStream(const World& world, const Client& client, const Scratch& scratch)
    : s_(std::make_unique<State>()) {
  const dns::Query& q = scratch.query;
  State& s = *s_;
  s.id = q.id;
  std::memcpy(s.qname, q.qname, q.qname_len);
  s.qtype = q.qtype;
  s.qclass = q.qclass;
  if (client.key) {
    s.key = *client.key;
    s.signer = std::make_unique<dns::TsigSigner>(*s.key, scratch.tsig_mac);
  }
  const bool ixfr = q.qtype == dns::rrtype::kIXFR;
  const zone::Zone* z = world.zones.exact(q.lqname);
  // Every transfer is an event an operator wants to see (who took the zone, who was turned away); they
  // are rare and each costs a whole zone's worth of work anyway, so the log line is cheap beside it.
  std::string what = std::string(ixfr ? "ixfr" : "axfr") + " of " + dns::name_to_text(q.qname) + " to " +
                     dns::ip_text(client.address) + (client.key ? " key " + client.key->name_text : "");
  if (!z || !transfer_allowed(world, *z, client)) {
    const ZoneReplication* rep = z ? world.replication_of(z) : nullptr;
    const char* why = !z                         ? "not a served zone"
                      : rep && rep->transfer_set ? "not allowed by the zone's transfer rules"
                                                 : "not in transfer.allow";
    log::info(what + ": refused (" + why + ")");
    s.refuse = true;
    return;
  }
  s.zone = owning(world, z);
  const zone::RRset* soa = z->find_rrset(z->apex(), dns::rrtype::kSOA);
  for (auto rd : z->rdata(*soa))
    zone::append_record(s.soa, z->origin(), dns::rrtype::kSOA, soa->ttl, rd.data, rd.size);
  const std::string serial = std::to_string(z->serial());
  if (ixfr) {
    if (!dns::serial_newer(z->serial(), q.soa_serial)) {
      // RFC 1995 section 2: a client as new as we are gets our SOA alone.
      log::info(what + ": client has serial " + std::to_string(q.soa_serial) + ", current is " + serial +
                ": up to date");
      s.segments.push_back({s.soa, false});
      return;
    }
    auto it = world.journals.find(z);
    if (it != world.journals.end() && !it->second->empty() && it->second->last_serial() == z->serial()) {
      auto chain = it->second->since(q.soa_serial);
      if (!chain.empty()) {
        s.journal = it->second;
        s.segments.push_back({s.soa, false});
        for (const zone::JournalChange* c : chain) {
          s.segments.push_back({c->removed, false});
          s.segments.push_back({c->added, false});
        }
        s.segments.push_back({s.soa, false});
        log::info(what + ": incremental, serial " + std::to_string(q.soa_serial) + " -> " + serial + ", " +
                  std::to_string(chain.size()) + " change(s)");
        return;
      }
    }
    what += ": the journal does not reach serial " + std::to_string(q.soa_serial) + ", full transfer";
  }
  log::info(what + (ixfr ? "" : ": allowed") + ", serial " + serial + ", " +
            std::to_string(z->record_count()) + " records");
  s.segments.push_back({s.soa, false});
  s.segments.push_back({{}, true});
  s.segments.push_back({s.soa, false});
}

TransferStream::~TransferStream() = default;

bool TransferStream::done() const noexcept {
  return s_->finished;
}

std::size_t TransferStream::next(std::span<std::uint8_t> out, std::uint64_t now) {
  State& s = *s_;
  if (s.finished) return 0;
  const std::size_t cap = std::min<std::size_t>(out.size(), dns::kMaxMessage);
  dns::Writer w(out.data(), cap);
  w.begin(s.id, dns::flag::kQR | (s.refuse ? dns::rcode::kRefused : dns::flag::kAA));
  if (s.first) (void)w.put_question(s.qname, s.qtype, s.qclass);
  s.first = false;
  w.begin_section(dns::Section::Answer);
  if (s.signer) w.set_limit(cap - kTsigReserve);
  s.finished = s.refuse || s.fill(w);
  std::size_t size = w.finish();
  if (s.signer) size = s.signer->sign(out.data(), size, cap, now);
  return size;
}

}  // namespace sgdns::engine
