#!/usr/bin/env bash
# lib/gen_big_zone.sh — the 1M-record zone for the load/reload measurements, and queries into it.
#
# Usage: lib/gen_big_zone.sh OUTDIR [HOSTS]          (HOSTS default 1000000; deterministic, srand 42)
# Writes OUTDIR/big.example.test.zone, origin example.test. (so the peers' configs are the ones of the
# small zone): SOA, 2 NS + glue, then h0000001 .. h1000000 each with an A record (10.x.y.z), every 10th
# also an AAAA, every 100th a TXT, every 1000th an MX; 10000 CNAMEs c0000001 .. c0010000 -> hNNNNNNN.
# With the default that is 1,121,000 records (~36 MB).
# And OUTDIR/bigmix.txt: 100k dnsperf queries into it: ~85 % existing A/AAAA, 5 % CNAME, 5 % TXT/MX,
# 5 % NXDOMAIN, ~25 % of names in random case.
set -euo pipefail
out=${1:?usage: gen_big_zone.sh OUTDIR [HOSTS]}
hosts=${2:-1000000}
mkdir -p "$out"
awk -v n="$hosts" 'BEGIN {
  print "$ORIGIN example.test."
  print "$TTL 3600"
  print "@\tIN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"
  print "@\tIN NS ns1.example.test."
  print "@\tIN NS ns2.example.test."
  print "ns1\tIN A 192.0.2.53"
  print "ns2\tIN A 198.51.100.53"
  print "www\tIN A 192.0.2.80"
  for (i = 1; i <= n; i++) {
    printf "h%07d\t300\tIN A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
    if (i % 10 == 0) printf "h%07d\t300\tIN AAAA 2001:db8:%x:%x::1\n", i, int(i / 65536), i % 65536
    if (i % 100 == 0) printf "h%07d\t300\tIN TXT \"host %d some text payload\"\n", i, i
    if (i % 1000 == 0) printf "h%07d\t300\tIN MX 10 mail.example.test.\n", i
  }
  nc = int(n / 100)
  for (i = 1; i <= nc; i++) printf "c%07d\t300\tIN CNAME h%07d\n", i, (i * 97) % n + 1
}' > "$out/big.example.test.zone.tmp"
mv "$out/big.example.test.zone.tmp" "$out/big.example.test.zone"

awk -v n="$hosts" -v seed=42 '
function rcase(s,   r, i, c) {
  if (rand() >= 0.25) return s
  r = ""
  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); r = r (rand() < 0.5 ? toupper(c) : c) }
  return r
}
BEGIN {
  srand(seed)
  for (q = 0; q < 100000; q++) {
    x = rand(); i = int(rand() * n) + 1
    if (x < 0.85)      { t = "A"; if (rand() < 0.3) { i = i - i % 10; if (i < 10) i = 10; t = "AAAA" }
                         name = sprintf("h%07d.example.test", i) }
    else if (x < 0.90) { name = sprintf("c%07d.example.test", int(rand() * int(n / 100)) + 1); t = "A" }
    else if (x < 0.95) { i = i - i % 1000; if (i < 1000) i = 1000
                         name = sprintf("h%07d.example.test", i); t = (rand() < 0.5) ? "MX" : "TXT" }
    else               { name = sprintf("nx%07d.example.test", i); t = "A" }
    print rcase(name), t
  }
}' > "$out/bigmix.txt"
echo "wrote $out/big.example.test.zone: $(grep -c 'IN ' "$out/big.example.test.zone") records, $out/bigmix.txt" >&2
