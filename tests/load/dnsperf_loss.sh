#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load test: dnsperf floods sgdns for 10 s over UDP and 10 s over TCP; fails when either loses >= 0.1% of queries.
# Usage: dnsperf_loss.sh SGDNS_BINARY REPO_ROOT   (env LOAD_SECONDS overrides the 10 s per run)
set -euo pipefail

binary=${1:?usage: $0 SGDNS_BINARY REPO_ROOT}
root=${2:?usage: $0 SGDNS_BINARY REPO_ROOT}
seconds=${LOAD_SECONDS:-10}
zone_file="$root/tests/differential/data/diff.example.zone"

for tool in dnsperf kdig; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
[[ -x $binary ]] || { echo "FAIL: $binary is not executable" >&2; exit 1; }
[[ -r $zone_file ]] || { echo "FAIL: $zone_file is missing" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  # Only the server this script started, by its pid.
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A mix of every answer kind: positive, NODATA, NXDOMAIN, wildcard, CNAME chains, referral, TC (big), ANY.
cat >"$work/queries.txt" <<'QUERIES'
diff.example. SOA
diff.example. NS
diff.example. MX
www.diff.example. A
www.diff.example. AAAA
WWW.Diff.Example. A
host1.diff.example. TXT
www.diff.example. MX
nothere.diff.example. A
x.b.ent.diff.example. A
b.ent.diff.example. A
anything.wild.diff.example. A
anything.wild.diff.example. TXT
x.cwild.diff.example. A
chain1.diff.example. A
dangling.diff.example. A
external.diff.example. A
loop1.diff.example. A
host.sub.diff.example. A
sub.diff.example. NS
_sip._tcp.diff.example. SRV
mx2.diff.example. MX
big.diff.example. TXT
www.diff.example. ANY
www.example.org. A
QUERIES

# Start on a random loopback port; retry a few ports in case one is taken.
for attempt in 1 2 3; do
  port=$((20000 + RANDOM % 40000))
  # --no-rrl: one client at full speed is exactly what response rate limiting holds back (and its drops
  # would count as loss); this test is about the serving path. tests/integration/test_rrl.cc covers RRL.
  "$binary" --listen "127.0.0.1:$port" --zone "diff.example.=$zone_file" --log-level warn --no-rrl \
    2>"$work/sgdns.log" &
  server_pid=$!
  ready=0
  deadline=$((SECONDS + 20))  # by the clock: a busy machine can make each kdig take its full second
  while ((SECONDS < deadline)); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if kdig @127.0.0.1 -p "$port" +time=1 +retry=0 +short diff.example. SOA 2>/dev/null | grep -q .; then
      ready=1
      break
    fi
    sleep 0.1
  done
  [[ $ready == 1 ]] && break
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
if [[ -z $server_pid ]]; then
  echo "FAIL: sgdns did not start; its log:" >&2
  cat "$work/sgdns.log" >&2
  exit 1
fi

status=0
for mode in udp tcp; do
  # -q bounds the queries in flight, so a loss means the server dropped or never answered a query.
  out=$(timeout $((seconds + 30)) dnsperf -m "$mode" -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$seconds" -q 100 -c 4 -t 2 2>&1) || {
    echo "FAIL: dnsperf ($mode) failed:" >&2
    echo "$out" >&2
    exit 1
  }
  sent=$(awk '/Queries sent:/ {print $3}' <<<"$out")
  lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
  qps=$(awk '/Queries per second:/ {print $4}' <<<"$out")
  if [[ -z $sent || -z $lost || $sent == 0 ]]; then
    echo "FAIL: cannot parse dnsperf ($mode) output:" >&2
    echo "$out" >&2
    exit 1
  fi
  # Loss in parts per million, integer arithmetic: 0.1% = 1000 ppm.
  ppm=$((lost * 1000000 / sent))
  echo "$mode: sent=$sent lost=$lost loss_ppm=$ppm qps=$qps"
  if ((ppm >= 1000)); then
    echo "FAIL: $mode loss $lost/$sent is >= 0.1%" >&2
    status=1
  fi
done

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "FAIL: sgdns died under load; its log:" >&2
  cat "$work/sgdns.log" >&2
  exit 1
fi
exit $status
