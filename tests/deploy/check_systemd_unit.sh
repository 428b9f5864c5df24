#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shipped systemd unit keeps its sandbox: the directives docs/operations.md promises are there, and
# `systemd-analyze security --offline` rates it "OK" (exposure 2.0 or less). Usage: check_systemd_unit.sh UNIT
set -euo pipefail
unit=$1
fail=0
for directive in 'User=sgdns' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
  'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/sgdns' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service' \
  'ExecReload=/bin/kill -HUP $MAINPID'; do
  if ! grep -qxF "$directive" "$unit"; then
    echo "missing: $directive"
    fail=1
  fi
done
out=$(systemd-analyze security --offline=true "$unit" 2>&1) || {
  echo "$out"
  exit 1
}
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
echo "systemd-analyze security: exposure $score"
if [[ -z $score ]] || ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
  echo "$out"
  echo "exposure above 2.0 (or not found)"
  fail=1
fi
exit "$fail"
