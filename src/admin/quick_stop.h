// SPDX-License-Identifier: MIT
// Stopping civetweb without its two-second wait (private to admin).
#pragma once
#include <civetweb.h>

#include "sgdns/dns/address.h"

namespace sgdns::admin {

/// mg_stop(ctx), fast: civetweb's listener thread polls with a 2 s timeout (SOCKET_TIMEOUT_QUANTUM in
/// civetweb.c) and sees mg_stop's flag only between polls, so a plain mg_stop takes up to two seconds and
/// SIGTERM with it. While mg_stop runs on a helper thread, connections to `listen` (its loopback twin for a
/// wildcard address) wake the poll; each is accepted and closed at once.
void stop_quickly(mg_context* ctx, const dns::SocketAddress& listen);

}  // namespace sgdns::admin
