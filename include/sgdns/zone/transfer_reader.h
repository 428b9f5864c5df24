// SPDX-License-Identifier: MIT
// TransferReader: the messages of an AXFR or IXFR reply read in order, as a secondary receives them
// from its primary: each checked (ID, QR, opcode, RCODE, TSIG chain), its records read, and the stream
// sorted into "up to date", a full zone, or IXFR difference sequences (RFC 1995 section 4, RFC 5936).
// No I/O: net::transfer_zone() feeds it from the socket, fuzz_replication from bytes.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sgdns/dns/tsig.h"
#include "sgdns/zone/master_reader.h"

namespace sgdns::zone {

/// One IXFR difference sequence: the RRs removed (the old SOA first) and added (the new SOA first).
struct IxfrStep {
  std::vector<ParsedRecord> removed;
  std::vector<ParsedRecord> added;
};

struct TransferResult {
  enum class Kind : std::uint8_t { UpToDate, Full, Incremental, Failed };
  Kind kind = Kind::Failed;
  std::uint32_t serial = 0;           // the primary's, when it answered
  std::vector<ParsedRecord> records;  // Full: the zone, SOA first (the closing SOA not repeated)
  std::vector<IxfrStep> steps;        // Incremental: in order, oldest first
  std::string error;                  // Failed: why, for the log
  /// Failed with an answer that says the primary does not do IXFR (NOTIMP, FORMERR, SERVFAIL): an AXFR
  /// may still work.
  bool try_axfr = false;
  std::uint64_t messages = 0, bytes = 0;
};

class TransferReader {
 public:
  /// For the reply to request `id`: IXFR from serial `ours` when `ixfr`, else AXFR. With `key`, every
  /// message must verify against it, chained from `request_mac`, the first and the last signed.
  /// `source` names the transfer in zone errors (as a file name would).
  TransferReader(std::uint16_t id, bool ixfr, std::uint32_t ours, const dns::TsigKey* key,
                 std::span<const std::uint8_t> request_mac, const std::string& source);

  /// The next message. False once the transfer failed (result().error says why); done() once complete.
  bool feed(std::span<const std::uint8_t> message, std::uint64_t now);
  [[nodiscard]] bool done() const noexcept { return done_; }
  [[nodiscard]] TransferResult& result() noexcept { return result_; }

 private:
  bool fail(std::string why);
  std::string sort();
  std::string full();
  std::string incremental();

  enum class Mode : std::uint8_t { Unknown, Full, Incremental };
  enum class Phase : std::uint8_t { OldSoa, Removed, Added };

  std::uint16_t id_;
  bool ixfr_;
  std::uint32_t ours_;
  std::optional<dns::TsigVerifier> verifier_;
  SharedName source_;
  std::vector<ParsedRecord> rrs_;
  TransferResult result_;
  std::uint32_t newest_ = 0, to_ = 0;
  bool done_ = false, failed_ = false;
  Mode mode_ = Mode::Unknown;
  Phase phase_ = Phase::OldSoa;
  std::size_t next_ = 0;
};

/// The serial of an SOA's uncompressed RDATA; nullopt when it is not one.
[[nodiscard]] std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> rdata);

}  // namespace sgdns::zone
