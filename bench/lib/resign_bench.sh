#!/usr/bin/env bash
# lib/resign_bench.sh — what a reload of a large signed zone costs: every static RRset signed again, or
# only what changed (the rest keeps its signatures).
#
# Usage: lib/resign_bench.sh ENGINE_BENCH OUTDIR [HOSTS]      (HOSTS default 100000)
# ENGINE_BENCH is a built sgdns-engine-bench (e.g. build/bench/engine/sgdns-engine-bench). Writes into
# OUTDIR the load zone of gen_big_zone.sh with HOSTS hosts (before.zone), the same zone with one A record
# changed and the serial bumped (after.zone), and a configuration for each that signs it with the test
# CSK of tests/data/dnssec (the zone's origin is example.test.); then runs
# `ENGINE_BENCH --reload-signed before.json after.json unsigned.json`, which prints the wall and CPU
# seconds of each World build. Compare the lines of one run with each other (the machine may be shared).
set -euo pipefail
bench=${1:?usage: resign_bench.sh ENGINE_BENCH OUTDIR [HOSTS]}
out=${2:?usage: resign_bench.sh ENGINE_BENCH OUTDIR [HOSTS]}
hosts=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
key="$here/../../tests/data/dnssec/Kexample.test.+013+63988"

mkdir -p "$out"
"$here/gen_big_zone.sh" "$out" "$hosts"
mv "$out/big.example.test.zone" "$out/before.zone"
sed -e 's/^h0000042\t300\tIN A .*/h0000042\t300\tIN A 192.0.2.42/' -e 's/ 2024010101 / 2024010102 /' \
  "$out/before.zone" >"$out/after.zone"
changed=$(diff "$out/before.zone" "$out/after.zone" | grep -c '^>' || true)
[ "$changed" = 2 ] || { echo "resign_bench: expected 2 changed lines (SOA, h0000042), got $changed" >&2; exit 1; }
for v in before after; do
  printf '{"zones": [{"origin": "example.test.", "file": "%s", "dnssec": {"keys": [{"file": "%s", "role": "csk"}]}}]}\n' \
    "$out/$v.zone" "$key" >"$out/$v.json"
done
printf '{"zones": [{"origin": "example.test.", "file": "%s"}]}\n' "$out/after.zone" >"$out/unsigned.json"
"$bench" --reload-signed "$out/before.json" "$out/after.json" "$out/unsigned.json"
