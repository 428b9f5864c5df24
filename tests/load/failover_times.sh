#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Failover timing over many runs: runs the black-box failover test (tests/integration/test_failover.cc)
# N times and prints every measurement and the medians of the killed / hung / back times.
#
# Usage: failover_times.sh TEST_BINARY SGDNS_BINARY [N]
#   TEST_BINARY   build/tests/sgdns_integration_tests
#   SGDNS_BINARY  build/sgdns
#   N             runs (default 10); each run makes SGDNS_FAILOVER_REPS repetitions (default 3)
# Environment:
#   SGDNS_FAILOVER_PHASE  "random" (the default here): each failure starts at a uniformly random point of
#                         the prober's schedule, as in production; "stratified" spreads them evenly, as the
#                         CI test does.
#   SGDNS_FAILOVER_REPS   repetitions per run (default 3).
# Exit status: 0 when every run passed, 1 otherwise (the medians are printed either way).
set -euo pipefail

usage="usage: $0 TEST_BINARY SGDNS_BINARY [N]"
test_binary=${1:?$usage}
sgdns_binary=${2:?$usage}
runs=${3:-10}
[[ -x $test_binary ]] || { echo "FAIL: $test_binary is not executable" >&2; exit 1; }
[[ -x $sgdns_binary ]] || { echo "FAIL: $sgdns_binary is not executable" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
test_binary=$(realpath "$test_binary")
sgdns_binary=$(realpath "$sgdns_binary")

export SGDNS_BINARY=$sgdns_binary
export SGDNS_FAILOVER_PHASE=${SGDNS_FAILOVER_PHASE:-random}
export SGDNS_FAILOVER_REPS=${SGDNS_FAILOVER_REPS:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0
for ((i = 1; i <= runs; i++)); do
  # The test binary cleans up every process it starts, also on failure; bound it anyway.
  if ! timeout --kill-after=10 180 "$test_binary" --warn NoTests '[failover-timing]' >"$work/run-$i.log" 2>&1; then
    echo "run $i: FAILED (log follows)" >&2
    tail -n 40 "$work/run-$i.log" >&2
    failed=1
  fi
  grep -E '^failover: killed ' "$work/run-$i.log" | sed "s/^/run $i: /" || true
done

# "failover: killed 0.62 s, hung 1.71 s, back 2.30 s" -> three columns.
cat "$work"/run-*.log | sed -nE 's/^failover: killed ([0-9.]+) s, hung ([0-9.]+) s, back ([0-9.]+) s$/\1 \2 \3/p' \
  >"$work/times.txt"
samples=$(wc -l <"$work/times.txt")
if ((samples == 0)); then
  echo "FAIL: no measurements" >&2
  exit 1
fi

median() { # column number
  cut -d' ' -f"$1" "$work/times.txt" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maximum() {
  cut -d' ' -f"$1" "$work/times.txt" | sort -g | tail -n 1
}

echo "failover over $samples samples ($runs runs x $SGDNS_FAILOVER_REPS, phase $SGDNS_FAILOVER_PHASE):"
echo "  killed: median $(median 1) s, max $(maximum 1) s   (promise: median < 1.0 s)"
echo "  hung:   median $(median 2) s, max $(maximum 2) s   (promise: median < 2.0 s)"
echo "  back:   median $(median 3) s, max $(maximum 3) s"
exit "$failed"
