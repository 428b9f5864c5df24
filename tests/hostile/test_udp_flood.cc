// SPDX-License-Identifier: MIT
// Hostile clients III: a reflection flood. One source asks for one name at 10x the RRL rate (the shipped
// 200 a second): it must get at most the rate in full answers a second, the rest dropped or, every
// second one, truncated, so the bytes sent to it fall to a small fraction of what the same flood gets
// with rate limiting off; a second source asking for the same name gets every answer.
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "hostile.h"
#include "test_helpers.h"
#include "udp_flood.h"

using namespace sgdns::test;

namespace {

constexpr double kRate = 200;  // rrl.rate's default
constexpr double kSeconds = 5;

/// An ~850-byte answer to a ~40-byte query: what a reflection attack looks for.
Bytes amplifying_query() {
  QueryOptions q = make_query("medium.it.test", kTypeTXT, true);
  q.udp_size = 1232;
  return build_query(q);
}

struct Run {
  FloodResult flood, bystander;
};

Run attack(const ServedZone& zone) {
  Run run;
  const auto duration = Millis(static_cast<long>(kSeconds * 1000));
  std::thread bystander([&] {
    run.bystander =
        udp_flood(Endpoint("127.0.0.1", zone.server->port(), "127.0.2.1"), amplifying_query(), 20, duration);
  });
  run.flood = udp_flood(Endpoint("127.0.0.1", zone.server->port(), "127.0.0.1"), amplifying_query(),
                        10 * kRate, duration);
  bystander.join();
  return run;
}

}  // namespace

TEST_CASE("a UDP flood of one name from one source at 10x the RRL rate is held to the rate", "[hostile]") {
  Run unlimited;
  {
    ServedZone zone("it.test.", integration_zone(), {"--no-rrl"});
    unlimited = attack(zone);
  }
  ServedZone zone("it.test.", integration_zone());
  Run limited = attack(zone);

  const FloodResult& f = limited.flood;
  std::size_t worst_second = 0;
  for (int s = 1; s < static_cast<int>(kSeconds); ++s)
    worst_second = std::max(worst_second, f.full_between(s, s + 1));
  const double ratio = static_cast<double>(f.bytes()) / static_cast<double>(unlimited.flood.bytes());
  std::ostringstream figure;
  figure.precision(3);
  figure << "flood of " << f.sent << " queries in " << kSeconds << " s ("
         << static_cast<long>(static_cast<double>(f.sent) / kSeconds) << "/s): full answers " << f.full()
         << " (at most " << worst_second << " in any second after the first; rate " << kRate
         << "), truncated " << f.truncated() << ", dropped " << f.sent - f.replies.size()
         << "; bytes sent to the source " << f.bytes() << " vs " << unlimited.flood.bytes()
         << " unlimited: ratio " << ratio << "; the other source got " << limited.bystander.full() << " of "
         << limited.bystander.sent << " in full";
  print_figure("udp-flood", figure.str());
  INFO(figure.str() << "\nsgdns log:\n" << zone.server->stderr_text());
  REQUIRE(f.sent > 0.9 * 10 * kRate * kSeconds);
  CHECK(unlimited.flood.full() >= unlimited.flood.sent * 0.99);  // the baseline was really answered
  CHECK(f.full() <= kRate * (kSeconds + 1) + 5);                 // the rate, plus one second of burst
  CHECK(worst_second <= kRate * 1.05 + 2);
  CHECK(f.truncated() >= (f.sent - f.full()) * 0.45);  // slip 2
  CHECK(ratio < 0.2);
  CHECK(limited.bystander.full() == limited.bystander.sent);
}
