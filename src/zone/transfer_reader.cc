// SPDX-License-Identifier: MIT
// The messages of a zone transfer reply checked, verified and sorted (transfer_reader.h).
#include "sgdns/zone/transfer_reader.h"

#include <memory>

#include "sgdns/dns/serial.h"
#include "sgdns/dns/types.h"
#include "sgdns/dns/wire_reader.h"
#include "sgdns/zone/wire_records.h"

namespace sgdns::zone {
namespace {

const char* rcode_text(int rc) {
  static const char* const kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                       "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  return rc >= 0 && rc <= 10 ? kNames[rc] : "an unknown RCODE";
}

std::optional<std::uint32_t> serial_of(const ParsedRecord& r) {
  if (r.type != dns::rrtype::kSOA) return std::nullopt;
  return soa_serial(r.rdata);
}

}  // namespace

std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> rdata) {
  dns::WireReader r(rdata);
  std::uint8_t name[dns::kMaxNameLen];
  (void)r.name(name, false);
  (void)r.name(name, false);
  const std::uint32_t serial = r.u32();
  r.skip(16);
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return serial;
}

TransferReader::TransferReader(std::uint16_t id, bool ixfr, std::uint32_t ours, const dns::TsigKey* key,
                               std::span<const std::uint8_t> request_mac, const std::string& source)
    : id_(id), ixfr_(ixfr), ours_(ours), source_(std::make_shared<const std::string>(source)) {
  if (key) verifier_.emplace(*key, request_mac);
}

bool TransferReader::fail(std::string why) {
  failed_ = true;
  result_.kind = TransferResult::Kind::Failed;
  result_.error = std::move(why);
  return false;
}

bool TransferReader::feed(std::span<const std::uint8_t> m, std::uint64_t now) {
  if (failed_ || done_) return !failed_;
  ++result_.messages;
  result_.bytes += m.size();
  dns::WireReader r(m);
  const std::uint8_t* h = r.group<dns::kHeaderSize>();
  if (!h) return fail("a message shorter than a DNS header");
  const std::uint16_t flags = dns::load_u16(h + 2);
  if (dns::load_u16(h) != id_ || !(flags & dns::flag::kQR) || ((flags >> 11) & 0x0f) != 0)
    return fail("a reply that does not answer our request (ID, QR or opcode)");
  if (verifier_) {
    dns::TsigRecord rec;
    const dns::TsigFound found = dns::find_tsig(m, rec);
    if (found == dns::TsigFound::Malformed) return fail("a malformed TSIG record");
    const std::uint16_t err = verifier_->verify(m, found == dns::TsigFound::Found ? &rec : nullptr, now);
    if (err != dns::tsig_error::kNone || (result_.messages == 1 && found != dns::TsigFound::Found))
      return fail("TSIG verification failed (error " +
                  std::to_string(found == dns::TsigFound::Found && rec.error ? rec.error : err) +
                  "): a wrong key, or clocks more than 5 minutes apart");
  }
  const int rc = flags & 0x0f;
  if (rc != dns::rcode::kNoError) {
    result_.try_axfr =
        ixfr_ && (rc == dns::rcode::kNotImp || rc == dns::rcode::kFormErr || rc == dns::rcode::kServFail);
    return fail(std::string("the primary answered ") + rcode_text(rc));
  }
  if (auto why = read_answer_records(m, rrs_, source_); !why.empty())
    return fail("message " + std::to_string(result_.messages) + ": " + why);
  if (auto why = sort(); !why.empty()) return fail(why);
  if (done_ && verifier_ && !verifier_->last_signed())
    return fail("the last message of the transfer is not signed");
  return true;
}

std::string TransferReader::sort() {
  if (rrs_.empty()) return result_.messages == 1 ? "the first message has no records" : "";
  if (result_.messages == 1 || mode_ == Mode::Unknown) {
    const auto s = serial_of(rrs_[0]);
    if (!s) return "the first record is not the zone's SOA";
    newest_ = *s;
    result_.serial = *s;
    if (ixfr_ && rrs_.size() == 1 && !dns::serial_newer(newest_, ours_)) {
      result_.kind = TransferResult::Kind::UpToDate;
      done_ = true;
      return {};
    }
  }
  if (rrs_.size() < 2) return {};
  if (mode_ == Mode::Unknown) {
    const auto second = serial_of(rrs_[1]);
    mode_ = ixfr_ && second && *second != newest_ ? Mode::Incremental : Mode::Full;
    next_ = 1;
  }
  return mode_ == Mode::Full ? full() : incremental();
}

std::string TransferReader::full() {
  for (; next_ < rrs_.size(); ++next_) {
    if (rrs_[next_].type != dns::rrtype::kSOA) continue;
    if (next_ + 1 != rrs_.size()) return "records after the closing SOA";
    if (serial_of(rrs_[next_]) != newest_) return "the closing SOA's serial differs from the opening one's";
    rrs_.pop_back();
    result_.kind = TransferResult::Kind::Full;
    result_.records = std::move(rrs_);
    rrs_.clear();
    done_ = true;
    return {};
  }
  return {};
}

std::string TransferReader::incremental() {
  for (; next_ < rrs_.size(); ++next_) {
    ParsedRecord& r = rrs_[next_];
    const bool soa = r.type == dns::rrtype::kSOA;
    switch (phase_) {
      case Phase::OldSoa:
        if (!soa) return "an IXFR difference sequence does not start with an SOA";
        if (!result_.steps.empty() && serial_of(r) == newest_ && to_ == newest_) {
          if (next_ + 1 != rrs_.size()) return "records after the closing SOA";
          result_.kind = TransferResult::Kind::Incremental;
          done_ = true;
          return {};
        }
        result_.steps.emplace_back();
        result_.steps.back().removed.push_back(std::move(r));
        phase_ = Phase::Removed;
        break;
      case Phase::Removed:
        if (soa) {
          to_ = serial_of(r).value_or(0);
          result_.steps.back().added.push_back(std::move(r));
          phase_ = Phase::Added;
        } else {
          result_.steps.back().removed.push_back(std::move(r));
        }
        break;
      case Phase::Added:
        if (soa) {
          phase_ = Phase::OldSoa;
          --next_;  // looked at again: the start of the next sequence, or the end
        } else {
          result_.steps.back().added.push_back(std::move(r));
        }
        break;
    }
  }
  return {};
}

}  // namespace sgdns::zone
