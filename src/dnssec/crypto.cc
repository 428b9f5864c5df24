// SPDX-License-Identifier: MIT
// OpenSSL 3 behind the key API: public keys from private ones, signatures in DNSSEC's raw form, DS digests.
#include "crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <cstring>
#include <memory>

#include "sgdns/dnssec/key.h"

namespace sgdns::dnssec {
namespace {

constexpr std::size_t kP256Coordinate = 32;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Group = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using Point = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using MdContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using Sig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

/// The uncompressed P-256 point (0x04 || X || Y) for a private scalar; empty when the scalar is 0 or not
/// below the group order.
std::vector<std::uint8_t> p256_point(std::span<const std::uint8_t> private_key) {
  Group group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  Bignum d(BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), nullptr));
  if (!group || !d || BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
    return {};
  Point point(EC_POINT_new(group.get()));
  if (!point || !EC_POINT_mul(group.get(), point.get(), d.get(), nullptr, nullptr, nullptr)) return {};
  std::vector<std::uint8_t> out(1 + 2 * kP256Coordinate);
  if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         nullptr) != out.size())
    return {};
  return out;
}

EVP_PKEY* p256_key(std::span<const std::uint8_t> private_key) {
  std::vector<std::uint8_t> point = p256_point(private_key);
  Bignum d(BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), nullptr));
  ParamBuilder bld(OSSL_PARAM_BLD_new());
  if (point.empty() || !d || !bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    return nullptr;
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyContext ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params.get()) <= 0)
    return nullptr;
  return pkey;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool base64_decode(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = base64_value(c);
    if (v < 0 || padding) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  return bits < 6;  // a lone trailing character carries fewer than 8 bits: not base64
}

std::vector<std::uint8_t> public_from_private(std::uint8_t algorithm, std::span<const std::uint8_t> key) {
  if (algorithm == algorithm::kEcdsaP256Sha256) {
    std::vector<std::uint8_t> point = p256_point(key);
    if (point.empty()) return {};
    return {point.begin() + 1, point.end()};  // RFC 6605 4: X || Y, without the 0x04 prefix
  }
  if (algorithm == algorithm::kEd25519) {
    EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size());
    if (!pkey) return {};
    std::vector<std::uint8_t> out(32);
    std::size_t len = out.size();
    bool ok = EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) == 1 && len == out.size();
    EVP_PKEY_free(pkey);
    return ok ? out : std::vector<std::uint8_t>{};
  }
  return {};
}

Signer::Signer(const KeyPair& key) : algorithm_(key.algorithm) {
  if (key.algorithm == algorithm::kEcdsaP256Sha256)
    pkey_ = p256_key(key.private_key);
  else if (key.algorithm == algorithm::kEd25519)
    pkey_ = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.private_key.data(),
                                         key.private_key.size());
  if (!pkey_) throw KeyError("key " + std::to_string(key.tag) + ": OpenSSL refuses the private key");
}

Signer::~Signer() {
  EVP_PKEY_free(pkey_);
}

bool Signer::sign(std::span<const std::uint8_t> data, std::uint8_t* out) const noexcept {
  MdContext ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  const bool ecdsa = algorithm_ == algorithm::kEcdsaP256Sha256;
  if (EVP_DigestSignInit(ctx.get(), nullptr, ecdsa ? EVP_sha256() : nullptr, nullptr, pkey_) != 1)
    return false;
  std::uint8_t der[80];  // an ECDSA P-256 signature in DER is at most 72 bytes
  std::size_t len = ecdsa ? sizeof der : kSignatureSize;
  if (EVP_DigestSign(ctx.get(), ecdsa ? der : out, &len, data.data(), data.size()) != 1) return false;
  if (!ecdsa) return len == kSignatureSize;
  // OpenSSL gives DER (SEQUENCE of two INTEGERs); DNSSEC wants r and s as 32 bytes each (RFC 6605 4).
  const std::uint8_t* p = der;
  Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) return false;
  return BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kP256Coordinate) == kP256Coordinate &&
         BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kP256Coordinate, kP256Coordinate) == kP256Coordinate;
}

std::vector<std::uint8_t> ds_rdata(const KeyPair& key) {
  std::vector<std::uint8_t> input = key.owner;
  input.insert(input.end(), key.dnskey_rdata.begin(), key.dnskey_rdata.end());
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw KeyError("SHA-256 failed");
  std::vector<std::uint8_t> out(4 + len);
  out[0] = static_cast<std::uint8_t>(key.tag >> 8);
  out[1] = static_cast<std::uint8_t>(key.tag);
  out[2] = key.algorithm;
  out[3] = 2;  // SHA-256
  std::memcpy(out.data() + 4, digest, len);
  return out;
}

}  // namespace sgdns::dnssec
