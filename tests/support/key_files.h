// SPDX-License-Identifier: MIT
// The DNSSEC key files for tests (tests/data/dnssec) and reading a whole file, for the unit tests.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace sgdns::test {

/// tests/data/dnssec/, with its trailing slash: key pairs made for tests (their README says which).
inline const std::string kKeyDir = SGDNS_TEST_DATA "/data/dnssec/";

/// The whole file as text; "" when it cannot be read (the caller's checks then fail on the content).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sgdns::test
