// SPDX-License-Identifier: MIT
// SignedSerialAge: when a signed zone with secondaries got the serial it serves, as the
// SgdnsSignedZoneSerialStale alert reads it.
#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "app_world.h"
#include "signed_serial_age.h"

using namespace sgdns;
using app::testing::ScratchFolder;

namespace {

const std::string kCsk = SGDNS_TEST_DATA "/data/dnssec/Kexample.test.+013+63988";

std::string zone_text(int serial) {
  return "$ORIGIN example.test.\n$TTL 3600\n@ SOA ns1 hostmaster " + std::to_string(serial) +
         " 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n";
}

/// example.test. signed with the test CSK; `replication` is more of the zone's JSON members.
config::Config signed_config(const ScratchFolder& folder, const std::string& replication) {
  folder.write("sgdns.json", R"({"zones": [{"origin": "example.test.", "file": ")" +
                                 folder.file("example.test.zone") + R"(", "dnssec": {"keys": [{"file": ")" +
                                 kCsk + R"(", "role": "csk"}]})" + replication + "}]}");
  return config::load_config_file(folder.file("sgdns.json"));
}

/// The gauge's series for example.test., or -1 when there is none.
double since_of(metrics::Metrics& m) {
  for (const auto& family : m.zone_signed_serial_since.Collect()) {
    for (const auto& metric : family.metric) {
      if (!metric.label.empty() && metric.label[0].value == "example.test.") return metric.gauge.value;
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("a signed zone with secondaries dates its serial: file time at start, then each new serial",
          "[app][dnssec]") {
  ScratchFolder folder;
  metrics::Metrics m;
  app::SignedSerialAge age(m);
  const double t0 = 1'800'000'000;  // the zone file's modification time
  folder.write("example.test.zone", zone_text(1));
  const timespec times[2] = {{static_cast<time_t>(t0), 0}, {static_cast<time_t>(t0), 0}};
  REQUIRE(::utimensat(AT_FDCWD, folder.file("example.test.zone").c_str(), times, 0) == 0);

  // Secondaries by a transfer rule: at start the serial dates from the file.
  config::Config c = signed_config(folder, R"(, "transfer": [{"address": "192.0.2.53"}])");
  auto v1 = world::build_world(c, 1);
  age.update(*v1, t0 + 3 * 86400);
  CHECK(since_of(m) == t0);
  // A reload with the same serial keeps the date.
  age.update(*v1, t0 + 4 * 86400);
  CHECK(since_of(m) == t0);
  // A new serial is dated when it is first served.
  folder.write("example.test.zone", zone_text(2));
  auto v2 = world::build_world(c, 2, v1.get());
  age.update(*v2, t0 + 5 * 86400);
  CHECK(since_of(m) == t0 + 5 * 86400);

  // No transfer rule and no notify target: no secondaries to age, no series.
  config::Config alone = signed_config(folder, "");
  auto v3 = world::build_world(alone, 3, v2.get());
  age.update(*v3, t0 + 6 * 86400);
  CHECK(since_of(m) == -1);
  // NOTIFY targets count as secondaries too. Seen anew, the serial dates from the file again, but never
  // from later than now (a file whose clock is ahead).
  const timespec ahead[2] = {{static_cast<time_t>(t0 + 9 * 86400), 0},
                             {static_cast<time_t>(t0 + 9 * 86400), 0}};
  REQUIRE(::utimensat(AT_FDCWD, folder.file("example.test.zone").c_str(), ahead, 0) == 0);
  config::Config notified = signed_config(folder, R"(, "notify": [{"address": "192.0.2.53:53"}])");
  auto v4 = world::build_world(notified, 4, v3.get());
  age.update(*v4, t0 + 7 * 86400);
  CHECK(since_of(m) == t0 + 7 * 86400);
}
