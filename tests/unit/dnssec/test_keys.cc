// SPDX-License-Identifier: MIT
// DNSSEC key files: what ldns-keygen writes loads with the tag it names; every broken file is refused with
// a message saying which file and what is wrong.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "key_files.h"
#include "sgdns/dnssec/key.h"

using namespace sgdns;

namespace {

using test::slurp;
const std::string& kDir = test::kKeyDir;

std::string refusal(const std::string& key_text, const std::string& private_text) {
  try {
    (void)dnssec::parse_key_files(key_text, private_text, "Ktest");
  } catch (const dnssec::KeyError& e) {
    return e.what();
  }
  return "";
}

const std::string kKey = "Kexample.test.+013+63988";

}  // namespace

TEST_CASE("keys made by ldns-keygen load, with the tag and algorithm their file names carry",
          "[dnssec][keys]") {
  dnssec::KeyPair ecdsa = dnssec::read_key_files(kDir + kKey);
  CHECK(ecdsa.algorithm == 13);
  CHECK(ecdsa.tag == 63988);
  CHECK(ecdsa.flags == 257);
  CHECK(ecdsa.public_key.size() == 64);
  CHECK(ecdsa.dnskey_rdata.size() == 4 + 64);
  CHECK(dnssec::read_key_files(kDir + kKey + ".private").tag == 63988);  // either file's name works
  dnssec::KeyPair ed = dnssec::read_key_files(kDir + "Kexample.test.+015+01653.key");
  CHECK(ed.algorithm == 15);
  CHECK(ed.tag == 1653);
  CHECK(ed.public_key.size() == 32);
  // DS digest type 2: tag, algorithm, 2, 32 bytes of SHA-256.
  auto ds = dnssec::ds_rdata(ecdsa);
  REQUIRE(ds.size() == 36);
  CHECK(((ds[0] << 8) | ds[1]) == 63988);
  CHECK(ds[2] == 13);
  CHECK(ds[3] == 2);
}

TEST_CASE("broken key files are refused, naming the file and the problem", "[dnssec][keys]") {
  const std::string key = slurp(kDir + kKey + ".key");
  const std::string priv = slurp(kDir + kKey + ".private");
  REQUIRE(refusal(key, priv).empty());
  const std::string other_priv = slurp(kDir + "Kgeo.example.test.+013+56368.private");
  CHECK(refusal(key, other_priv).find("does not belong to the public key") != std::string::npos);
  CHECK(refusal("", priv).find("Ktest.key: no DNSKEY record") != std::string::npos);
  CHECK(refusal("example.test. IN A 192.0.2.1\n", priv).find("expected") != std::string::npos);
  CHECK(refusal("example.test. IN DNSKEY 257 3 8 AwEAAa==\n", priv).find("algorithm 8 is not supported") !=
        std::string::npos);
  CHECK(refusal("example.test. IN DNSKEY 257 2 13 AAAA\n", priv).find("protocol must be 3") !=
        std::string::npos);
  CHECK(refusal("example.test. IN DNSKEY 1 3 13 AAAA\n", priv).find("not a zone key") != std::string::npos);
  CHECK(refusal("example.test. IN DNSKEY 257 3 13 !!!!\n", priv).find("not 64 bytes of base64") !=
        std::string::npos);
  CHECK(refusal("example IN DNSKEY 257 3 13 AAAA\n", priv).find("not an absolute domain name") !=
        std::string::npos);
  CHECK(refusal(key, priv.substr(priv.find('\n') + 1)).find("no \"Private-key-format: v1.x\" line") !=
        std::string::npos);
  CHECK(
      refusal(key, "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\n").find("Algorithm does not match") !=
      std::string::npos);
  CHECK(refusal(key, "Private-key-format: v1.2\nAlgorithm: 13\n").find("no PrivateKey") != std::string::npos);
  CHECK(refusal(key, "Private-key-format: v1.2\nAlgorithm: 13\nPrivateKey: AAAA\n").find("not 32 bytes") !=
        std::string::npos);
  CHECK(refusal(key, "Private-key-format: v1.2\nAlgorithm: 13\nPrivateKey: " + std::string(43, 'A') + "=\n")
            .find("does not belong") != std::string::npos);  // zero is not a P-256 private key
  CHECK(refusal(key, "garbage\n").find("Field: value") != std::string::npos);

  // A file name whose tag is not the key's.
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sgdns-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "Kexample.test.+013+11111.key") << key;
  std::ofstream(dir / "Kexample.test.+013+11111.private") << priv;
  std::string message;
  try {
    (void)dnssec::read_key_files((dir / "Kexample.test.+013+11111").string());
  } catch (const dnssec::KeyError& e) {
    message = e.what();
  }
  CHECK(message.find("the file name says algorithm 13 tag 11111, the key is algorithm 13 tag 63988") !=
        std::string::npos);
  try {
    (void)dnssec::read_key_files((dir / "Kmissing").string());
    FAIL("a missing file loaded");
  } catch (const dnssec::KeyError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("Kmissing.key: cannot be read") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
