// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes as a BIND key-file pair (dnssec::parse_key_files). The input is split at its
// first NUL byte: before it the .key text, after it the .private text. A key that parses is then loaded
// into OpenSSL and signs a message, and its DS digest is computed. KeyError is the expected refusal; any
// other exception, a crash, a leak or undefined behaviour is a bug.
#include <cstdint>
#include <string_view>

#include "sgdns/dnssec/key.h"

using namespace sgdns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t split = text.find('\0');
  const std::string_view key_text = text.substr(0, split);
  const std::string_view private_text = split == std::string_view::npos ? "" : text.substr(split + 1);
  try {
    dnssec::KeyPair key = dnssec::parse_key_files(key_text, private_text, "fuzz");
    dnssec::Signer signer(key);
    std::uint8_t sig[dnssec::kSignatureSize];
    const std::uint8_t message[] = {1, 2, 3};
    if (!signer.sign(message, sig)) __builtin_trap();  // a key that loaded must sign
    (void)dnssec::ds_rdata(key);
  } catch (const dnssec::KeyError&) {
  }
  return 0;
}
