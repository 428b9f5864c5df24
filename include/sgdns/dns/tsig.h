// SPDX-License-Identifier: MIT
// TSIG (RFC 8945): finding the TSIG record of a message, signing and verifying single messages and the
// message sequences of a zone transfer, with HMAC-SHA256 or HMAC-SHA512 (OpenSSL).
//
// Off the query path: only secondaries and primaries sign, and a signed message costs an HMAC anyway.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sgdns/dns/types.h"

namespace sgdns::dns {

enum class TsigAlgorithm : std::uint8_t { HmacSha256, HmacSha512 };

/// A shared secret named by a domain name (RFC 8945 section 4.2: both ends know it by that name).
struct TsigKey {
  std::string name_text;           // as configured, with the trailing dot
  std::vector<std::uint8_t> name;  // lowercase wire form
  TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;
  std::vector<std::uint8_t> secret;
};

namespace tsig_error {  // the TSIG record's Error field (RFC 8945 section 3)
inline constexpr std::uint16_t kNone = 0, kBadSig = 16, kBadKey = 17, kBadTime = 18;
}

/// RFC 8945 section 10 recommends 300 seconds of clock difference.
inline constexpr std::uint16_t kTsigFudge = 300;

/// "hmac-sha256" or "hmac-sha512" (any case, optional trailing dot); false for any other name.
[[nodiscard]] bool parse_tsig_algorithm(std::string_view text, TsigAlgorithm& out) noexcept;
[[nodiscard]] const char* tsig_algorithm_name(TsigAlgorithm a) noexcept;

/// The bytes TsigSigner::sign() appends for `key` to a reply without an error: what a reply must keep
/// free under its size limit.
[[nodiscard]] std::size_t tsig_record_size(const TsigKey& key) noexcept;

/// The TSIG record of a message, which must be the last record of the additional section.
struct TsigRecord {
  std::size_t offset = 0;  // where the TSIG RR starts: the bytes before it are what was signed
  std::uint8_t key_name[kMaxNameLen] = {};  // lowercase wire
  std::size_t key_name_len = 0;
  std::uint8_t algorithm[kMaxNameLen] = {};  // lowercase wire
  std::size_t algorithm_len = 0;
  std::uint64_t time_signed = 0;  // 48 bits
  std::uint16_t fudge = 0;
  std::span<const std::uint8_t> mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  std::span<const std::uint8_t> other;
};

enum class TsigFound : std::uint8_t { None, Found, Malformed };

/// Walks the whole message; Malformed when it cannot be followed, or when a TSIG record is anywhere but
/// last (RFC 8945 section 5.1: FORMERR). `rec` points into `msg`.
[[nodiscard]] TsigFound find_tsig(std::span<const std::uint8_t> msg, TsigRecord& rec) noexcept;

/// Signs a sequence of messages with one key: a lone request, a lone reply (`request_mac` = the MAC of
/// the request it answers), or every message of a transfer (each one's digest chains the one before,
/// RFC 8945 section 5.3.1).
class TsigSigner {
 public:
  TsigSigner(const TsigKey& key, std::span<const std::uint8_t> request_mac);
  /// Appends a TSIG RR to the `len`-byte message in `msg` (room for `cap` bytes) and bumps ARCOUNT;
  /// `error` and `other` fill those fields (BADTIME carries the server's time in `other`). Returns the new
  /// length, or 0 when the record does not fit.
  [[nodiscard]] std::size_t sign(std::uint8_t* msg, std::size_t len, std::size_t cap, std::uint64_t now,
                                 std::uint16_t error = tsig_error::kNone);
  [[nodiscard]] std::span<const std::uint8_t> mac() const noexcept { return prior_; }

 private:
  const TsigKey& key_;
  std::vector<std::uint8_t> prior_;  // the request's MAC, then each message's own
  bool first_ = true;
};

/// Verifies a request, or the messages of a reply or transfer in order. Between two signed messages of a
/// transfer up to 99 may be unsigned (RFC 8945 section 5.3.1); their bytes count in the next digest.
class TsigVerifier {
 public:
  TsigVerifier(const TsigKey& key, std::span<const std::uint8_t> request_mac);
  /// tsig_error::kNone when the message verifies (or is an allowed unsigned one; `rec` null), else the
  /// error to report. BADKEY when the record names another key or algorithm.
  [[nodiscard]] std::uint16_t verify(std::span<const std::uint8_t> msg, const TsigRecord* rec,
                                     std::uint64_t now);
  /// True when the last message verified carried a TSIG record (a transfer must end signed).
  [[nodiscard]] bool last_signed() const noexcept { return unsigned_count_ == 0; }
  [[nodiscard]] std::span<const std::uint8_t> mac() const noexcept { return prior_; }

 private:
  const TsigKey& key_;
  std::vector<std::uint8_t> prior_;
  std::vector<std::uint8_t> pending_;  // unsigned messages since the last signed one
  int unsigned_count_ = 0;
  bool first_ = true;
};

/// Reads the keys of a BIND (`key "name" { algorithm hmac-sha256; secret "..."; };`), Knot
/// (`key:` / `- id: name` / `algorithm:` / `secret:`) or NSD (`key:` / `name:` ...) key file text.
/// Throws std::runtime_error saying what is wrong, with the line.
[[nodiscard]] std::vector<TsigKey> parse_tsig_key_file(const std::string& text);

}  // namespace sgdns::dns
