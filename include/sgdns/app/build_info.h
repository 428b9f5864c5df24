// SPDX-License-Identifier: MIT
// What binary this is: version, commit, build type and the versions of the libraries it runs with.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace sgdns::app {

struct BuildInfo {
  std::string version;     // the project's version (CMakeLists.txt)
  std::string commit;      // `git describe --always --dirty` at configure time, or "unknown"
  std::string build_type;  // CMAKE_BUILD_TYPE
  /// Library name and version: as reported at run time where the library can say (ldns, libuv,
  /// libmaxminddb, libcurl and its TLS library, civetweb, OpenSSL, libsodium), else as built against.
  std::vector<std::pair<std::string, std::string>> libraries;
};

[[nodiscard]] const BuildInfo& build_info();

/// The text of `sgdns --version`: one line "sgdns VERSION (commit COMMIT, BUILD_TYPE)", then one line per
/// library.
[[nodiscard]] std::string version_text();

}  // namespace sgdns::app
