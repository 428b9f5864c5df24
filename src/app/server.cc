// SPDX-License-Identifier: MIT
// run_server(): the whole server is the control loop (src/app/control.cc) around the transports.
#include "sgdns/app/server.h"

#include "control.h"
#include "sgdns/net/address_claims.h"

namespace sgdns::app {

int run_server(config::Config config) {
  // Before anything is loaded: a second instance or a busy port ends start-up at once.
  net::AddressClaims claims(config.listen, config.admin.listen);
  Control control(std::move(config));
  return control.run();
}

}  // namespace sgdns::app
