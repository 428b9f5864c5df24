// SPDX-License-Identifier: MIT
// Zone transfers as a stream of messages: AXFR (RFC 5936), IXFR from the journal (RFC 1995) falling back
// to a full transfer, the single-SOA reply to a client that is current, and TSIG on every message. A signed
// zone's transfer carries its RRSIGs and NSEC chain, so that a stock secondary can serve it.
#include <algorithm>
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
#include "sign.h"

namespace sgdns::engine {
namespace {

/// Room kept at the end of each message for its TSIG record: owner and algorithm names (at most 255
/// bytes each, 30 in practice), fixed fields and a SHA-512 MAC.
constexpr std::size_t kTsigReserve = 640;

/// A run of records to send: packed journal-form records, the zone itself walked node by node (with
/// RRSIGs when signed), or a signed zone's NSEC chain with its RRSIGs.
struct Segment {
  enum Kind : std::uint8_t { Bytes, Walk, Nsec };
  std::span<const std::uint8_t> bytes;  // Bytes only
  Kind kind = Bytes;
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
  std::size_t nsec = 0;                     // NSEC chain cursor (rr: 0 the NSEC, then its RRSIGs)
  // A signed zone: its signer (kept alive by `zone`, which shares its ownership), and the RRSIGs of the
  // RRset being sent (made when it is reached, kept until all of it is out, across messages).
  const dnssec::SignedZone* signed_zone = nullptr;
  dnssec::Signature sigs[dnssec::kMaxSigningKeys];
  std::size_t sig_count = 0;
  bool have_sigs = false;
  std::uint32_t now = 0;
  std::vector<dnssec::RdataRef> resign_rdata;  // of the RRset signed again: reused, not made per RRset

  /// Writes what fits of the current segment; false when the message is full.
  bool fill(dns::Writer& w);
  bool fill_bytes(dns::Writer& w, std::span<const std::uint8_t> bytes);
  bool fill_walk(dns::Writer& w);
  bool fill_nsec(dns::Writer& w);
  /// Writes the RRSIGs not sent yet (sigs[rr - sigs_at] on); false when the message is full.
  bool put_sigs(dns::Writer& w, const std::uint8_t* owner, std::uint32_t ttl, std::size_t sigs_at);
  /// The RRSIGs of a static RRset as a secondary must serve them: the load-time ones, or, past their
  /// refresh time, signed as answers are (cache or now), so the copy is as fresh as sgdns's own answers.
  void signatures_of(const zone::Node& n, const zone::RRset& set);
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

void TransferStream::State::signatures_of(const zone::Node& n, const zone::RRset& set) {
  namespace flag = zone::node_flag;
  sig_count = 0;
  // Glue and the NS RRset of a delegation are not signed (RFC 4035 2.2).
  if (!signed_zone || (n.flags & flag::kBelowCut) ||
      ((n.flags & flag::kDelegation) && set.type != dns::rrtype::kDS))
    return;
  const auto loaded = signed_zone->static_signatures(set, now);
  if (!loaded.empty()) {
    sig_count = std::min(loaded.size(), dnssec::kMaxSigningKeys);
    std::copy_n(loaded.begin(), sig_count, sigs);
    return;
  }
  resign_rdata.clear();
  for (auto rd : zone->rdata(set)) resign_rdata.push_back({rd.data, rd.size});
  sig_count = signed_zone->sign(zone->name(n), set.type, set.ttl, resign_rdata, now, sigs);
}

bool TransferStream::State::put_sigs(dns::Writer& w, const std::uint8_t* owner, std::uint32_t ttl,
                                     std::size_t sigs_at) {
  for (; rr < sigs_at + sig_count; ++rr) {
    if (!put_rrsigs(w, owner, ttl, zone->origin(), &sigs[rr - sigs_at], 1) &&
        w.count(dns::Section::Answer) > 0)
      return false;
  }
  return true;
}

bool TransferStream::State::fill_walk(dns::Writer& w) {
  const zone::Zone& z = *zone;
  auto nodes = z.nodes();
  for (; node < nodes.size(); ++node, rrset = 0) {
    auto sets = z.rrsets(nodes[node]);
    const std::uint8_t* owner = z.name(nodes[node]);
    for (; rrset < sets.size(); ++rrset, rr = 0, have_sigs = false) {
      const zone::RRset& set = sets[rrset];
      // The SOA goes first and last, from the SOA segments; only its RRSIGs are sent here.
      const bool is_soa = set.type == dns::rrtype::kSOA;
      if (is_soa && !signed_zone) continue;
      if (!have_sigs) {
        signatures_of(nodes[node], set);
        have_sigs = true;
      }
      const std::size_t rrs = is_soa ? 0 : set.count;
      std::size_t k = 0;
      for (auto rd : z.rdata(set)) {
        if (k++ < rr || rr >= rrs) continue;
        if (!w.put_rr(owner, set.type, dns::rrclass::kIN, set.ttl, rd.data, rd.size) &&
            w.count(dns::Section::Answer) > 0)
          return false;
        ++rr;
      }
      if (!put_sigs(w, owner, set.ttl, rrs)) return false;
    }
  }
  return true;
}

bool TransferStream::State::fill_nsec(dns::Writer& w) {
  const dnssec::NsecChain& chain = signed_zone->nsec_chain();
  const auto records = chain.records();
  for (; nsec < records.size(); ++nsec, rr = 0, have_sigs = false) {
    const dnssec::NsecChain::Record& r = records[nsec];
    const std::uint8_t* owner = zone->name(zone->node(static_cast<std::int32_t>(r.node)));
    const dnssec::RdataRef rdata = chain.rdata(r);
    if (!have_sigs) {
      const auto loaded = signed_zone->nsec_signatures(nsec, now);
      sig_count = std::min(loaded.size(), dnssec::kMaxSigningKeys);
      std::copy_n(loaded.begin(), sig_count, sigs);
      if (loaded.empty())
        sig_count = signed_zone->sign(owner, dns::rrtype::kNSEC, chain.ttl(), {&rdata, 1}, now, sigs);
      have_sigs = true;
    }
    if (rr == 0) {
      if (!w.put_rr(owner, dns::rrtype::kNSEC, dns::rrclass::kIN, chain.ttl(), rdata.data, rdata.size) &&
          w.count(dns::Section::Answer) > 0)
        return false;
      ++rr;
    }
    if (!put_sigs(w, owner, chain.ttl(), 1)) return false;
  }
  return true;
}

bool TransferStream::State::fill(dns::Writer& w) {
  while (seg < segments.size()) {
    const Segment& s = segments[seg];
    const bool all = s.kind == Segment::Walk   ? fill_walk(w)
                     : s.kind == Segment::Nsec ? fill_nsec(w)
                                               : fill_bytes(w, s.bytes);
    if (!all) return false;
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
  s.signed_zone = world.signed_zone(z);
  const zone::RRset* soa = z->find_rrset(z->apex(), dns::rrtype::kSOA);
  for (auto rd : z->rdata(*soa))
    zone::append_record(s.soa, z->origin(), dns::rrtype::kSOA, soa->ttl, rd.data, rd.size);
  const std::string serial = std::to_string(z->serial());
  if (ixfr) {
    if (!dns::serial_newer(z->serial(), q.soa_serial)) {
      // RFC 1995 section 2: a client as new as we are gets our SOA alone.
      log::info(what + ": client has serial " + std::to_string(q.soa_serial) + ", current is " + serial +
                ": up to date");
      s.segments.push_back({s.soa});
      return;
    }
    auto it = world.journals.find(z);
    // A signed zone's journal holds unsigned differences (no RRSIG or NSEC changes): a full transfer
    // instead, which RFC 1995 section 4 allows in answer to any IXFR.
    if (!s.signed_zone && it != world.journals.end() && !it->second->empty() &&
        it->second->last_serial() == z->serial()) {
      auto chain = it->second->since(q.soa_serial);
      if (!chain.empty()) {
        s.journal = it->second;
        s.segments.push_back({s.soa});
        for (const zone::JournalChange* c : chain) {
          s.segments.push_back({c->removed});
          s.segments.push_back({c->added});
        }
        s.segments.push_back({s.soa});
        log::info(what + ": incremental, serial " + std::to_string(q.soa_serial) + " -> " + serial + ", " +
                  std::to_string(chain.size()) + " change(s)");
        return;
      }
    }
    what += s.signed_zone
                ? ": signed zone, full transfer"
                : ": the journal does not reach serial " + std::to_string(q.soa_serial) + ", full transfer";
  }
  log::info(what + (ixfr ? "" : ": allowed") + ", serial " + serial + ", " +
            std::to_string(z->record_count()) + " records" +
            (s.signed_zone ? " with RRSIGs and " +
                                 std::to_string(s.signed_zone->nsec_chain().records().size()) + " NSEC"
                           : ""));
  s.segments.push_back({s.soa});
  s.segments.push_back({{}, Segment::Walk});
  if (s.signed_zone) s.segments.push_back({{}, Segment::Nsec});
  s.segments.push_back({s.soa});
}

TransferStream::~TransferStream() = default;

bool TransferStream::done() const noexcept {
  return s_->finished;
}

std::size_t TransferStream::next(std::span<std::uint8_t> out, std::uint64_t now) {
  State& s = *s_;
  if (s.finished) return 0;
  s.now = static_cast<std::uint32_t>(now);
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
