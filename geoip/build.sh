#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the demo MaxMind DBs in this directory; the output is byte-identical on every run.
# Needs libmaxmind-db-writer-perl (Debian/Ubuntu) or MaxMind::DB::Writer from CPAN; mmdb-bin to verify.
set -eu
cd "$(dirname "$0")"
perl make_demo_mmdb.pl sgdns-demo-city.mmdb sgdns-demo-asn.mmdb
if command -v mmdblookup >/dev/null 2>&1; then
  # A smoke check that a stock reader finds what we wrote.
  mmdblookup --file sgdns-demo-city.mmdb --ip 192.0.2.5 city names en | grep -q Frankfurt
  mmdblookup --file sgdns-demo-asn.mmdb --ip 203.0.113.9 autonomous_system_number | grep -q 64502
  echo "verified with mmdblookup" >&2
fi
