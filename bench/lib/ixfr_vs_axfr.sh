#!/usr/bin/env bash
# lib/ixfr_vs_axfr.sh — the 1M-record zone, one record changed: IXFR against AXFR, bytes and time.
#
# Usage: lib/ixfr_vs_axfr.sh SGDNS_BINARY [PORT]   (prints one Markdown table; run under the bench lock)
# Starts sgdns on 127.0.0.1:PORT with the zone of lib/gen_big_zone.sh and a journal, times a full AXFR
# with kdig, changes one A record and the serial, reloads (SIGHUP), then times IXFR from the old serial
# and an AXFR of the new version. Each transfer is taken 3 times; the median is reported.
set -euo pipefail
bin=${1:?usage: ixfr_vs_axfr.sh SGDNS_BINARY [PORT]}
port=${2:-5391}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$here/gen_big_zone.sh" "$work" >/dev/null
zone=$work/big.example.test.zone
cat > "$work/sgdns.json" <<JSON
{"listen": ["127.0.0.1:$port"], "journal": {"dir": "$work"},
 "zones": [{"origin": "example.test.", "file": "$zone"}]}
JSON
"$bin" --config "$work/sgdns.json" 2> "$work/log" &
pid=$!
for _ in $(seq 600); do kdig @127.0.0.1 -p "$port" example.test SOA +short +timeout=1 >/dev/null 2>&1 && break; sleep 0.1; done

# One transfer: "bytes ms" from kdig's summary (";; Received N B (M messages ...", "in T ms").
take() {
  kdig @127.0.0.1 -p "$port" +tcp example.test "$1" +noall +stats 2>/dev/null |
    awk '/Received/ {b=$3} /From/ {for (i=1;i<=NF;i++) if ($i=="in") t=$(i+1)} END {print b, t}'
}
median3() { sort -n -k2 | sed -n 2p; }
axfr_old=$( (take AXFR; take AXFR; take AXFR) | median3)
sed -i 's/2024010101 7200/2024010102 7200/; s/^h0000042\t300\tIN A .*/h0000042\t300\tIN A 192.0.2.42/' "$zone"
kill -HUP "$pid"
for _ in $(seq 600); do
  [ "$(kdig @127.0.0.1 -p "$port" example.test SOA +short | awk '{print $3}')" = 2024010102 ] && break; sleep 0.1
done
ixfr=$( (take IXFR=2024010101; take IXFR=2024010101; take IXFR=2024010101) | median3)
axfr_new=$( (take AXFR; take AXFR; take AXFR) | median3)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "| transfer (1,121,006 records, one A changed) | bytes | time (ms, median of 3) |"
echo "|---|---|---|"
echo "| AXFR before the change | ${axfr_old% *} | ${axfr_old#* } |"
echo "| IXFR 2024010101 -> 2024010102 | ${ixfr% *} | ${ixfr#* } |"
echo "| AXFR after the change | ${axfr_new% *} | ${axfr_new#* } |"
echo
echo "sgdns RSS after both versions and the journal: $rss KiB. Journal line: $(grep -c 'incremental' "$work/log") incremental transfer(s) logged."
