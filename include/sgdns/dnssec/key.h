// SPDX-License-Identifier: MIT
// DNSSEC keys: read from the BIND key-file pair (K<zone>+<alg>+<tag>.key / .private) and used to sign.
//
// Every server of a fleet reads the same files, so any server's signatures validate against the one
// DNSKEY RRset. ECDSA P-256 (algorithm 13) and Ed25519 (algorithm 15): both have 64-byte signatures and
// 32-byte private keys, and validators of today support both.
#pragma once
#include <openssl/types.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sgdns::dnssec {

namespace algorithm {
inline constexpr std::uint8_t kEcdsaP256Sha256 = 13, kEd25519 = 15;
}
inline constexpr std::size_t kSignatureSize = 64;  // r||s for ECDSA P-256 (RFC 6605), R||S for Ed25519
inline constexpr std::uint16_t kZoneKeyFlag = 0x0100, kSepFlag = 0x0001;

/// A key file that cannot be used: the message names the file and what is wrong with it.
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One key pair as its two files describe it.
struct KeyPair {
  std::vector<std::uint8_t> owner;  // lowercase wire form of the zone the key belongs to
  std::uint16_t flags = 0;          // 257 (SEP: KSK or CSK) or 256 (ZSK)
  std::uint8_t algorithm = 0;
  std::uint16_t tag = 0;                   // RFC 4034 appendix B, computed from the DNSKEY RDATA
  std::vector<std::uint8_t> public_key;    // the DNSKEY public key field
  std::vector<std::uint8_t> private_key;   // 32 bytes: the ECDSA scalar or the Ed25519 seed
  std::vector<std::uint8_t> dnskey_rdata;  // flags, protocol 3, algorithm, public key
};

/// Parses the texts of a .key file (one DNSKEY record, comment lines) and a .private file
/// ("Private-key-format: v1.x", "Algorithm: N", "PrivateKey: base64", more fields ignored), checking that
/// they agree (algorithm, and the public key derived from the private key). `name` prefixes every error.
/// Throws KeyError.
[[nodiscard]] KeyPair parse_key_files(std::string_view key_text, std::string_view private_text,
                                      const std::string& name);

/// Reads `path`.key and `path`.private (`path` may end in ".key" or ".private" already). When the file
/// name has the K<zone>+<alg>+<tag> form, its algorithm and tag must match the key's. Throws KeyError.
[[nodiscard]] KeyPair read_key_files(const std::string& path);

/// RFC 4034 appendix B.
[[nodiscard]] std::uint16_t key_tag(std::span<const std::uint8_t> dnskey_rdata) noexcept;

/// DS / CDS RDATA with a SHA-256 digest (digest type 2, RFC 4509) for a key of zone `owner` (lowercase
/// wire).
[[nodiscard]] std::vector<std::uint8_t> ds_rdata(const KeyPair& key);

/// Signs data with one key. Thread-safe: each call uses its own OpenSSL context (and allocates inside
/// OpenSSL, so it belongs on load paths and cache misses only).
class Signer {
 public:
  /// Throws KeyError when OpenSSL refuses the key.
  explicit Signer(const KeyPair& key);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  /// Writes the 64-byte signature of `data`; false when OpenSSL fails.
  [[nodiscard]] bool sign(std::span<const std::uint8_t> data, std::uint8_t* out) const noexcept;
  [[nodiscard]] std::uint8_t algorithm() const noexcept { return algorithm_; }

 private:
  EVP_PKEY* pkey_ = nullptr;
  std::uint8_t algorithm_ = 0;
};

}  // namespace sgdns::dnssec
