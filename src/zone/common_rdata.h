// SPDX-License-Identifier: MIT
// The fast path of the zone reader: owner names and the RDATA of the most common types read directly.
//
// A zone of a million hosts is almost all A, AAAA, CNAME, NS and MX records with plain names. Handing each
// to ldns (build a text line, tokenise it again, allocate an ldns_rr, serialise it) cost ~4 µs a record;
// these functions do the same work in place. They only accept input whose meaning is beyond doubt (plain
// names, one address token, a decimal preference); anything else returns false and takes the general ldns
// path, which also produces the error message when the input is wrong.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "record_parser.h"

namespace sgdns::zone::detail {

using Bytes = std::vector<std::uint8_t>;

/// A name token made only of letters, digits, '-', '_', '*' and dots (no escapes, no quotes), or "@", to
/// uncompressed wire form (case kept), with `origin` (wire) appended when the name is relative. False
/// when the token is not plain or not a valid name (empty label, label over 63 bytes, over 255 bytes).
[[nodiscard]] bool plain_name(std::string_view token, const Bytes& origin, Bytes& out);

/// RDATA of A, AAAA, NS, CNAME, PTR and MX in the plain form above, into `out`. False for every other
/// type or form: the caller then uses parse_rdata().
[[nodiscard]] bool parse_common_rdata(const std::vector<std::string>& tokens, const RecordHead& head,
                                      const Bytes& origin, Bytes& out);

}  // namespace sgdns::zone::detail
