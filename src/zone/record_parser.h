// SPDX-License-Identifier: MIT
// Turns the tokens of one logical record into checked values and wire-form rdata, using ldns for RDATA.
#pragma once
// ldns/common.h turns `bool` into a macro for _Bool unless stdbool.h came first, which breaks the C++
// standard headers (<optional>'s operator<=>) included after it.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)

#include <ldns/ldns.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sgdns::zone::detail {

struct LdnsFree {
  void operator()(ldns_rdf* rdf) const noexcept { ldns_rdf_deep_free(rdf); }
  void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
  void operator()(ldns_buffer* buffer) const noexcept { ldns_buffer_free(buffer); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsFree>;

/// Where a record came from; every error is thrown from here so it names the file and line.
struct Where {
  const std::string& file;
  int line;
  [[noreturn]] void fail(const std::string& message) const;
};

/// A decimal number up to `max`, digits only; nullopt otherwise.
[[nodiscard]] std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max);

/// RFC 2181 section 8: a TTL is an unsigned 31-bit number.
inline constexpr std::uint32_t kMaxTtl = 0x7FFFFFFF;

/// Parses "86400", "1h30m", "2w1d": numbers each optionally followed by a unit (s, m, h, d, w).
/// Returns nullopt when malformed or above `max`.
[[nodiscard]] std::optional<std::uint32_t> parse_duration(std::string_view text, std::uint32_t max);

/// parse_duration with kMaxTtl, failing with a message naming the token.
[[nodiscard]] std::uint32_t parse_ttl(const std::string& token, const Where& where);

/// Resolves a name token: "@" is `origin`, a relative name gets `origin` appended, an absolute one is
/// taken as is. Fails on empty labels, labels over 63 bytes and names over 255 bytes.
[[nodiscard]] RdfPtr resolve_name(const std::string& token, const ldns_rdf* origin, const Where& where);

/// The fields between owner and RDATA: `[TTL] [class] type` or `[class] [TTL] type`.
struct RecordHead {
  std::optional<std::uint32_t> ttl;  // absent when the record relies on the default TTL
  std::uint16_t type = 0;
  std::size_t rdata_begin = 0;  // index of the first RDATA token
};

/// Parses the head starting at tokens[begin]. Fails on a class other than IN, an unknown type or a
/// type that may only appear in queries (ANY, AXFR, OPT, ...).
[[nodiscard]] RecordHead parse_record_head(const std::vector<std::string>& tokens, std::size_t begin,
                                           const Where& where);

/// Parses the RDATA tokens of a record with `head` into uncompressed wire form (names keep their case;
/// relative names get `origin` appended). `tokens` is the whole record, quoted in error messages.
[[nodiscard]] std::vector<std::uint8_t> parse_rdata(const std::vector<std::string>& tokens,
                                                    const RecordHead& head, const ldns_rdf* origin,
                                                    const Where& where);

}  // namespace sgdns::zone::detail
