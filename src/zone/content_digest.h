// SPDX-License-Identifier: MIT
// A digest of a zone's records, to notice content that changed under an unchanged serial (private to zone).
#pragma once
#include <cstdint>
#include <vector>

#include "sgdns/zone/master_reader.h"

namespace sgdns::zone {

/// Order-independent 64-bit digest of every record (owner, type, class, TTL, RDATA): reordering the file
/// or editing comments keeps it, any change of data changes it (but for a 2^-64 chance). Not
/// cryptographic: it only has to notice an operator's edit.
[[nodiscard]] std::uint64_t content_digest(const std::vector<ParsedRecord>& records) noexcept;

}  // namespace sgdns::zone
