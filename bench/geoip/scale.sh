#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/geoip/scale.sh — GeoIP at GeoLite2-City's size: compile time, peak RSS and geo qps.
#
# Usage: bench/geoip/scale.sh [SGDNS_BINARY]      (default build/sgdns; env SECONDS_PER_RUN=10)
# Generates (once, deterministic) bench/data/city-sized.mmdb (~4.2M search-tree nodes, ~68 MB, GeoIP2-City
# layout, bench/geoip/make_city_sized_mmdb.py) and a dnsperf -B file asking www.geo.test A with ECS from
# 20,000 random /24s. Then:
#   1. `sgdns geoip-report` on it three times: the compile time sgdns reports, wall and CPU time and peak
#      RSS of the whole process (/usr/bin/time), the median run printed;
#   2. sgdns serving it, and serving the 19-network demo database, each under dnsperf for
#      SECONDS_PER_RUN with the same queries, one after the other: the qps ratio shows whether a query's
#      cost depends on the database's size.
# Prints a Markdown section for bench/RESULTS.md. Holds /tmp/sgdns-bench.lock while it runs (the
# machine's benchmark lock, see BRIEFING). Only 127.0.0.1 is queried; every server it starts is stopped
# by its PID.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SGDNS=$(readlink -f "${1:-$ROOT/build/sgdns}")
RUN_SECONDS=${SECONDS_PER_RUN:-10}
DATA="$ROOT/bench/data"
mkdir -p "$DATA"
work=$(mktemp -d)
server_pid=""
locked=0
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  if ((locked)); then rmdir /tmp/sgdns-bench.lock; fi
}
trap cleanup EXIT
until mkdir /tmp/sgdns-bench.lock 2>/dev/null; do
  echo "waiting for /tmp/sgdns-bench.lock (another benchmark runs)" >&2
  sleep 10
done
locked=1

db="$DATA/city-sized.mmdb"
queries="$DATA/city-sized-ecs.bin"
if [[ ! -s $db || ! -s $queries || $HERE/make_city_sized_mmdb.py -nt $db ]]; then
  python3 "$HERE/make_city_sized_mmdb.py" "$db" --queries "$queries" 20000
fi

cat >"$work/geo.test.zone" <<'ZONE'
$ORIGIN geo.test.
$TTL 3600
@   IN SOA ns1 hostmaster 1 7200 3600 1209600 300
    IN NS  ns1
ns1 IN A   192.0.2.53
ZONE
config() {  # config DATABASE PORT
  cat <<JSON
{"listen": ["127.0.0.1:$2"], "zones": [{"origin": "geo.test.", "file": "$work/geo.test.zone"}],
 "geoip": {"databases": ["$1"]}, "rrl": {"exempt": ["127.0.0.0/8"]}, "log_level": "warn",
 "default_region": "us",
 "regions": {"eu": {"location": [50.11, 8.68], "continents": ["EU", "AF"]},
             "us": {"location": [39.04, -77.49], "continents": ["NA"]},
             "sa": {"location": [-23.55, -46.63], "continents": ["SA"]},
             "ap": {"location": [1.35, 103.82], "continents": ["AS"]},
             "au": {"location": [-33.87, 151.21]}},
 "pools": {"p-eu": {"region": "eu", "members": ["192.0.2.201"]}, "p-us": {"region": "us", "members": ["198.51.100.201"]},
           "p-sa": {"region": "sa", "members": ["100.64.0.201"]}, "p-ap": {"region": "ap", "members": ["203.0.113.201"]},
           "p-au": {"region": "au", "members": ["203.0.113.211"]}},
 "records": {"www.geo.test.": {"types": ["A"], "policy": "geo", "pools": ["p-eu", "p-us", "p-sa", "p-ap", "p-au"]}}}
JSON
}

port=$((20000 + RANDOM % 30000))
config "$db" "$port" >"$work/big.json"
config "$ROOT/geoip/sgdns-demo-city.mmdb" "$port" >"$work/demo.json"

# 1. Compile: three runs, the median by compile time.
rows=()
for _ in 1 2 3; do
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$SGDNS" geoip-report --config "$work/big.json" >"$work/report"
  compiled=$(sed -n 's/.*compiled in \([0-9.]*\) s, \([0-9]*\) nodes.*/\1 \2/p' "$work/report")
  rows+=("$compiled $(cat "$work/time")")
done
median=$(printf '%s\n' "${rows[@]}" | sort -n | sed -n 2p)
read -r compile_s map_nodes wall_s user_s sys_s rss_kb <<<"$median"
networks=$(sed -n 's/.*GeoLite2-City), built [^,]*, \([0-9]*\) networks.*/\1/p' "$work/report")

# 2. qps with each database, same queries.
qps() {  # qps CONFIG
  "$SGDNS" --config "$1" 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 300); do
    kdig @127.0.0.1 -p "$port" +time=1 +retry=0 +short geo.test. SOA 2>/dev/null | grep -q . && break
    sleep 0.1
  done
  dnsperf -s 127.0.0.1 -p "$port" -B -d "$queries" -l "$RUN_SECONDS" -c 4 -q 500 >"$work/perf" 2>&1 || true
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local q lost
  q=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$work/perf")
  lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$work/perf")
  printf "%.0f %s\n" "${q:-0}" "${lost:-?}"
}
read -r big_qps big_lost <<<"$(qps "$work/big.json")"
read -r demo_qps demo_lost <<<"$(qps "$work/demo.json")"

size_mb=$(awk -v b="$(stat -c %s "$db")" 'BEGIN { printf "%.1f", b / 1048576 }')
cat <<REPORT
## GeoIP at GeoLite2-City size — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$ROOT" rev-parse --short HEAD)

\`bench/geoip/scale.sh\` on $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg).
Database: bench/data/city-sized.mmdb, ${size_mb} MiB, ${networks} networks (GeoIP2-City layout, synthetic),
compiled into a served map of ${map_nodes} nodes (regions by continent; Oceania, with no continent rule, by nearest).

| measure | value | target |
|---|---|---|
| compile time sgdns reports (median of 3) | ${compile_s} s | <= 2 s |
| whole \`geoip-report\` process: wall / CPU (user + sys) | ${wall_s} s / $(awk -v u="$user_s" -v s="$sys_s" 'BEGIN { print u + s }') s | |
| peak RSS of that process | $((rss_kb / 1024)) MiB | <= 300 MiB |
| geo qps, ECS from 20,000 random /24s, city-sized database | ${big_qps} (lost ${big_lost}) | |
| geo qps, same queries, 19-network demo database | ${demo_qps} (lost ${demo_lost}) | |
| ratio city-sized / demo | $(awk -v a="$big_qps" -v b="$demo_qps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }') | ~1 (cost independent of size) |
REPORT
