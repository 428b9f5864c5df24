// SPDX-License-Identifier: MIT
// The rules' names, as metrics, explain and the coverage report print them.
#include "sgdns/policy/rule.h"

namespace sgdns::policy {

const char* rule_name(LocateRule rule) noexcept {
  static constexpr const char* kNames[kLocateRules] = {"default", "cidr",      "asn",    "subdivision",
                                                       "country", "continent", "nearest"};
  const auto i = static_cast<std::size_t>(rule);
  return i < kLocateRules ? kNames[i] : "default";
}

}  // namespace sgdns::policy
