// SPDX-License-Identifier: MIT
// sgdns: authoritative geo-DNS server. Everything lives in the libraries; see docs/architecture.md.
#include "sgdns/app/server.h"

int main(int argc, char** argv) {
  return sgdns::app::main_entry(argc, argv);
}
