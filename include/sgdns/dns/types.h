// SPDX-License-Identifier: MIT
// DNS constants used across modules: RR types, classes, opcodes, rcodes, header flags.
#pragma once
#include <cstdint>

namespace sgdns::dns {

namespace rrtype {
inline constexpr std::uint16_t kA = 1, kNS = 2, kCNAME = 5, kSOA = 6, kPTR = 12, kHINFO = 13, kMX = 15,
                               kTXT = 16, kAAAA = 28, kSRV = 33, kNAPTR = 35, kDNAME = 39, kOPT = 41,
                               kDS = 43, kRRSIG = 46, kNSEC = 47, kDNSKEY = 48, kSVCB = 64, kHTTPS = 65,
                               kCAA = 257, kTSIG = 250, kIXFR = 251, kAXFR = 252, kMAILB = 253, kMAILA = 254,
                               kANY = 255;
}  // namespace rrtype

namespace rrclass {
inline constexpr std::uint16_t kIN = 1, kCH = 3, kNONE = 254, kANY = 255;
}

namespace opcode {
inline constexpr std::uint8_t kQuery = 0, kNotify = 4;
}

namespace rcode {
inline constexpr std::uint16_t kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4,
                               kRefused = 5, kNotAuth = 9, kBadVers = 16, kBadCookie = 23;
}

namespace flag {  // bits of the 16-bit header flags word
inline constexpr std::uint16_t kQR = 0x8000, kAA = 0x0400, kTC = 0x0200, kRD = 0x0100, kRA = 0x0080,
                               kAD = 0x0020, kCD = 0x0010;
}

namespace edns_flag {  // bits of the 16-bit flags in an OPT record's TTL (RFC 6891 6.1.3)
/// DO: DNSSEC answer OK (RFC 3225 3). CO: Compact Answers OK (RFC 9824 5.1), the bit after DO.
inline constexpr std::uint16_t kDO = 0x8000, kCO = 0x4000;
}  // namespace edns_flag

namespace edns_opt {
inline constexpr std::uint16_t kNSID = 3, kECS = 8, kCookie = 10;
}

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameLen = 255;
inline constexpr std::size_t kMaxUdpPayloadNoEdns = 512;
/// RFC 6891 recommends 1232 (DNS flag day 2020) to avoid IP fragmentation.
inline constexpr std::uint16_t kDefaultEdnsPayload = 1232;
inline constexpr std::size_t kMaxMessage = 65535;

/// True for types that may only appear in a query (RFC 6895 section 3.1: meta and q-types).
constexpr bool is_meta_qtype(std::uint16_t t) {
  return t == rrtype::kOPT || (t >= 128 && t <= 255);
}

}  // namespace sgdns::dns
