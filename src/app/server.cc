// SPDX-License-Identifier: MIT
// run_server(): the whole server is the control loop (src/app/control.cc) around the transports.
#include "sgdns/app/server.h"

#include "control.h"

namespace sgdns::app {

int run_server(config::Config config) {
  Control control(std::move(config));
  return control.run();
}

}  // namespace sgdns::app
