// SPDX-License-Identifier: MIT
// Seeds for the query threads' generators, from getrandom(2) with std::random_device as the fallback.
#include "random_seed.h"

#include <sys/random.h>

#include <random>

namespace sgdns::net {

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  while (seed == 0) {
    // GRND_NONBLOCK: at early boot the pool may not be initialised yet; a weighted split needs no secret,
    // so std::random_device (which never blocks for long) is good enough then.
    if (::getrandom(&seed, sizeof seed, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seed)) {
      std::random_device device;
      seed = (std::uint64_t{device()} << 32) ^ device();
    }
  }
  return seed;
}

}  // namespace sgdns::net
