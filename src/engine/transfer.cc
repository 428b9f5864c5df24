// SPDX-License-Identifier: MIT
// AXFR (RFC 5936) and IXFR answered as a full transfer (RFC 1995 section 4), over TCP, with an allow list.

#include <string>
#include <vector>

#include "encode.h"
#include "sgdns/dns/address.h"
#include "sgdns/dns/name.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/writer.h"
#include "sgdns/util/log.h"
#include "special.h"

namespace sgdns::engine {
namespace {

/// Packs RRsets into messages of at most 64 KiB and hands each to `emit`.
class TransferWriter {
 public:
  TransferWriter(const dns::Query& q, const std::function<void(std::span<const std::uint8_t>)>& emit)
      : q_(q), emit_(emit), buf_(dns::kMaxMessage), w_(buf_.data(), buf_.size()) {
    start(true);
  }
  void add(const PlanItem& item) {
    if (put_rrset(w_, item)) return;
    flush();
    start(false);
    if (!put_rrset(w_, item)) {
      // A single RRset over 64 KiB cannot be sent whole; send it one RR per message.
      for (auto rd : item.zone->rdata(*item.rrset)) {
        if (!w_.put_rr(item.owner, item.rrset->type, dns::rrclass::kIN, item.ttl, rd.data, rd.size)) {
          flush();
          start(false);
          (void)w_.put_rr(item.owner, item.rrset->type, dns::rrclass::kIN, item.ttl, rd.data, rd.size);
        }
      }
    }
  }
  void flush() { emit_(std::span<const std::uint8_t>(buf_.data(), w_.finish())); }

 private:
  void start(bool with_question) {
    w_ = dns::Writer(buf_.data(), buf_.size());
    w_.begin(q_.id, dns::flag::kQR | dns::flag::kAA);
    if (with_question) (void)w_.put_question(q_.qname, q_.qtype, q_.qclass);
    w_.begin_section(dns::Section::Answer);
  }
  const dns::Query& q_;
  const std::function<void(std::span<const std::uint8_t>)>& emit_;
  std::vector<std::uint8_t> buf_;
  dns::Writer w_;
};

void refuse(const dns::Query& q, const std::function<void(std::span<const std::uint8_t>)>& emit) {
  std::uint8_t buf[dns::kHeaderSize + dns::kMaxNameLen + 4];
  dns::Writer w(buf, sizeof buf);
  w.begin(q.id, dns::flag::kQR | dns::rcode::kRefused);
  (void)w.put_question(q.qname, q.qtype, q.qclass);
  emit(std::span<const std::uint8_t>(buf, w.finish()));
}

}  // namespace

bool transfer_allowed(const Options& options, const sockaddr* address) noexcept {
  return dns::address_in(options.axfr_allow, address);
}

void transfer(const World& world, const Client& client, const Scratch& scratch,
              const std::function<void(std::span<const std::uint8_t>)>& emit) {
  const dns::Query& q = scratch.query;
  const zone::Zone* zone = world.zones.exact(q.lqname);
  // Every transfer is an event an operator wants to see (who took the zone, who was turned away); they
  // are rare and each costs a whole zone's worth of work anyway, so the log line is cheap beside it.
  const std::string what = std::string(q.qtype == dns::rrtype::kIXFR ? "ixfr" : "axfr") + " of " +
                           dns::name_to_text(q.qname) + " to " + dns::ip_text(client.address);
  if (!zone || !transfer_allowed(world.options, client.address)) {
    log::info(what + ": refused (" + (zone ? "not in transfer.allow" : "not a served zone") + ")");
    refuse(q, emit);
    return;
  }
  log::info(what + ": allowed, serial " + std::to_string(zone->serial()) + ", " +
            std::to_string(zone->record_count()) + " records" +
            (q.qtype == dns::rrtype::kIXFR ? " (answered as a full transfer)" : ""));
  const zone::RRset* soa = zone->find_rrset(zone->apex(), dns::rrtype::kSOA);
  PlanItem soa_item{zone, soa, zone->origin(), soa->ttl};
  TransferWriter out(q, emit);
  out.add(soa_item);
  for (const zone::Node& node : zone->nodes()) {
    for (const zone::RRset& set : zone->rrsets(node)) {
      if (&set == soa) continue;
      out.add(PlanItem{zone, &set, zone->name(node), set.ttl});
    }
  }
  out.add(soa_item);
  out.flush();
}

}  // namespace sgdns::engine
