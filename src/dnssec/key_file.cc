// SPDX-License-Identifier: MIT
// The BIND key-file pair: K<zone>+<alg>+<tag>.key (a DNSKEY record) and .private (the private key).
#include <fstream>
#include <sstream>

#include "crypto.h"
#include "sgdns/dns/name.h"
#include "sgdns/dnssec/key.h"

namespace sgdns::dnssec {
namespace {

constexpr std::size_t kPrivateKeySize = 32;  // both algorithms
/// Key files are a few hundred bytes; anything much larger is not a key file.
constexpr std::size_t kMaxKeyFileSize = 64 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size() || line[i] == ';') break;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != ';') ++i;
    out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool parse_number(std::string_view s, unsigned max, unsigned& out) {
  if (s.empty() || s.size() > 10) return false;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return false;
  out = static_cast<unsigned>(v);
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (dns::ascii_lower(static_cast<std::uint8_t>(a[i])) !=
        dns::ascii_lower(static_cast<std::uint8_t>(b[i])))
      return false;
  }
  return true;
}

bool supported(unsigned alg) {
  return alg == algorithm::kEcdsaP256Sha256 || alg == algorithm::kEd25519;
}

std::size_t public_key_size(unsigned alg) {
  return alg == algorithm::kEcdsaP256Sha256 ? 64 : 32;
}

/// "owner [ttl] [IN] DNSKEY flags 3 alg base64..." on the first line that is not a comment.
void parse_dnskey_line(std::string_view text, const std::string& name, KeyPair& key) {
  for (std::string_view line : lines(text)) {
    auto w = words(line);
    if (w.empty()) continue;
    std::size_t i = 1;
    unsigned ignored = 0;
    if (i < w.size() && parse_number(w[i], 0x7fffffffu, ignored)) ++i;  // TTL
    if (i < w.size() && iequals(w[i], "IN")) ++i;
    if (i >= w.size() || !iequals(w[i], "DNSKEY"))
      throw KeyError(name + ".key: expected \"<zone> IN DNSKEY <flags> 3 <algorithm> <key>\"");
    ++i;
    unsigned flags = 0, protocol = 0, alg = 0;
    if (w.size() < i + 4 || !parse_number(w[i], 0xffff, flags) || !parse_number(w[i + 1], 255, protocol) ||
        !parse_number(w[i + 2], 255, alg))
      throw KeyError(name + ".key: the DNSKEY record needs flags, protocol, algorithm and key");
    if (protocol != 3) throw KeyError(name + ".key: DNSKEY protocol must be 3 (RFC 4034 2.1.2)");
    if (!(flags & kZoneKeyFlag)) throw KeyError(name + ".key: not a zone key (flags lack 256)");
    if (!supported(alg))
      throw KeyError(name + ".key: algorithm " + std::to_string(alg) +
                     " is not supported (13 ECDSAP256SHA256, 15 ED25519)");
    std::string b64;
    for (std::size_t j = i + 3; j < w.size(); ++j) b64 += w[j];
    std::vector<std::uint8_t> owner;
    std::string owner_text(w[0]);
    if (owner_text.empty() || owner_text.back() != '.' || !dns::name_from_text(owner_text, owner))
      throw KeyError(name + ".key: owner \"" + owner_text + "\" is not an absolute domain name");
    dns::name_to_lower(owner.data(), owner.size());
    if (!base64_decode(b64, key.public_key) || key.public_key.size() != public_key_size(alg))
      throw KeyError(name + ".key: the public key is not " + std::to_string(public_key_size(alg)) +
                     " bytes of base64");
    key.owner = std::move(owner);
    key.flags = static_cast<std::uint16_t>(flags);
    key.algorithm = static_cast<std::uint8_t>(alg);
    return;
  }
  throw KeyError(name + ".key: no DNSKEY record");
}

void parse_private(std::string_view text, const std::string& name, KeyPair& key) {
  bool format = false, have_alg = false, have_key = false;
  for (std::string_view line : lines(text)) {
    line = trim(line);
    if (line.empty()) continue;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) throw KeyError(name + ".private: a line without \"Field: value\"");
    std::string_view field = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (field == "Private-key-format") {
      if (value.substr(0, 3) != "v1.") throw KeyError(name + ".private: unknown Private-key-format");
      format = true;
    } else if (field == "Algorithm") {
      unsigned alg = 0;
      if (!parse_number(value.substr(0, value.find(' ')), 255, alg) || alg != key.algorithm)
        throw KeyError(name + ".private: Algorithm does not match the .key file's " +
                       std::to_string(key.algorithm));
      have_alg = true;
    } else if (field == "PrivateKey") {
      if (!base64_decode(value, key.private_key) || key.private_key.size() != kPrivateKeySize)
        throw KeyError(name + ".private: PrivateKey is not 32 bytes of base64");
      have_key = true;
    }
  }
  if (!format) throw KeyError(name + ".private: no \"Private-key-format: v1.x\" line");
  if (!have_alg) throw KeyError(name + ".private: no Algorithm line");
  if (!have_key) throw KeyError(name + ".private: no PrivateKey line");
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError(path + ": cannot be read");
  std::string text(kMaxKeyFileSize + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileSize) throw KeyError(path + ": too large for a key file");
  return text;
}

/// The algorithm and tag in a K<zone>+AAA+TTTTT file name; false for another naming.
bool name_fields(const std::string& base, unsigned& alg, unsigned& tag) {
  std::string file = base.substr(base.rfind('/') == std::string::npos ? 0 : base.rfind('/') + 1);
  std::size_t plus2 = file.rfind('+');
  if (file.empty() || file[0] != 'K' || plus2 == std::string::npos || plus2 == 0) return false;
  std::size_t plus1 = file.rfind('+', plus2 - 1);
  if (plus1 == std::string::npos) return false;
  return parse_number(std::string_view(file).substr(plus1 + 1, plus2 - plus1 - 1), 255, alg) &&
         parse_number(std::string_view(file).substr(plus2 + 1), 65535, tag);
}

}  // namespace

std::uint16_t key_tag(std::span<const std::uint8_t> rdata) noexcept {
  std::uint32_t ac = 0;
  for (std::size_t i = 0; i < rdata.size(); ++i) ac += (i & 1) ? rdata[i] : std::uint32_t{rdata[i]} << 8;
  ac += (ac >> 16) & 0xffff;
  return static_cast<std::uint16_t>(ac & 0xffff);
}

KeyPair parse_key_files(std::string_view key_text, std::string_view private_text, const std::string& name) {
  KeyPair key;
  parse_dnskey_line(key_text, name, key);
  parse_private(private_text, name, key);
  if (public_from_private(key.algorithm, key.private_key) != key.public_key)
    throw KeyError(name + ": the private key does not belong to the public key in the .key file");
  key.dnskey_rdata = {static_cast<std::uint8_t>(key.flags >> 8), static_cast<std::uint8_t>(key.flags), 3,
                      key.algorithm};
  key.dnskey_rdata.insert(key.dnskey_rdata.end(), key.public_key.begin(), key.public_key.end());
  key.tag = key_tag(key.dnskey_rdata);
  return key;
}

KeyPair read_key_files(const std::string& path) {
  std::string base = path;
  for (std::string_view ext : {".key", ".private"}) {
    if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0)
      base.resize(base.size() - ext.size());
  }
  const std::string key_text = read_small_file(base + ".key");  // .key first: its error is the one to see
  KeyPair key = parse_key_files(key_text, read_small_file(base + ".private"), base);
  unsigned alg = 0, tag = 0;
  if (name_fields(base, alg, tag) && (alg != key.algorithm || tag != key.tag))
    throw KeyError(base + ": the file name says algorithm " + std::to_string(alg) + " tag " +
                   std::to_string(tag) + ", the key is algorithm " + std::to_string(key.algorithm) + " tag " +
                   std::to_string(key.tag));
  return key;
}

}  // namespace sgdns::dnssec
