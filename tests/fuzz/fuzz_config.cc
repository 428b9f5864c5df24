// SPDX-License-Identifier: MIT
// libFuzzer target: any text as the JSON configuration (config::parse_config_json, then the policy
// compiler when the text names no GeoIP files), as the overrides state file (OverridesStore::parse), and as a
// duration (the one parser behind the file, flags, ctl and the admin API's "expires"). Refusals are expected
// (ConfigError, PolicyError, std::runtime_error from the state file, std::invalid_argument from the
// duration parser); any other exception, a crash, a leak or undefined behaviour is a bug.
#include <cstdint>
#include <string>

#include "overrides_store.h"
#include "sgdns/config/config.h"
#include "sgdns/config/duration.h"
#include "sgdns/policy/policy.h"

using namespace sgdns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    config::Config c = config::parse_config_json(text, "/nonexistent");
    // Database paths would make the fuzzer open whatever files it names; the rest compiles in memory.
    if (c.policy.databases.empty() && !c.policy.empty()) (void)policy::compile(c.policy);
  } catch (const config::ConfigError&) {
  } catch (const policy::PolicyError&) {
  }
  try {
    (void)app::OverridesStore::parse(text);
  } catch (const std::runtime_error&) {
  }
  try {
    (void)config::parse_duration_ms(text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
