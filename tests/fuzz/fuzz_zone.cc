// SPDX-License-Identifier: MIT
// libFuzzer target: any text as a master file through the reader and the zone compiler. Errors are
// expected (ZoneError); crashes, leaks and hangs are not.
#include <cstdint>
#include <string>

#include "sgdns/zone/zone.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto file = sgdns::zone::read_master_text(text, "fuzz.zone", "example.test.", "/nonexistent");
    (void)sgdns::zone::Zone::build("example.test.", std::move(file));
  } catch (const sgdns::zone::ZoneError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
