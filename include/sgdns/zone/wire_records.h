// SPDX-License-Identifier: MIT
// Zone records in and out of wire form for zone transfers received: the answer section of a transfer
// message read into ParsedRecords (what Zone::build checks and compiles, as for a master file), a
// compiled zone's records listed back, and records written as master-file text (a secondary's copy).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sgdns/zone/master_reader.h"
#include "sgdns/zone/zone.h"

namespace sgdns::zone {

/// Appends the answer section of `message` to `out`: owners lowercased, the names inside the RDATA of
/// the types RFC 3597 section 4 lets a sender compress uncompressed, `source` and the running count as
/// each record's file and line (so a zone check names the transfer and the record's place in it).
/// Returns "" or why the message is malformed (then `out` may hold part of it).
[[nodiscard]] std::string read_answer_records(std::span<const std::uint8_t> message,
                                              std::vector<ParsedRecord>& out, const SharedName& source);

/// Every record `zone` was built from (the SOA first; dynamic answers are not records): what applying
/// an incremental transfer starts from.
[[nodiscard]] std::vector<ParsedRecord> zone_records(const Zone& zone);

/// `records` as master-file text, one record a line with absolute names in ldns's presentation form
/// (which read_master_file reads back). Throws std::runtime_error for a record ldns cannot print.
[[nodiscard]] std::string master_text(const std::vector<ParsedRecord>& records);

}  // namespace sgdns::zone
