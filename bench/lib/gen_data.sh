#!/usr/bin/env bash
# lib/gen_data.sh — generate the benchmark zone and the dnsperf query files (from the shared peer harness).
#
# Usage: lib/gen_data.sh OUTDIR        (bench/run uses bench/data)
#
# Produces (deterministic: awk srand(42), so reruns give identical files):
#   data/example.test.zone   RFC1035 zone file for example.test. (~2.6k RRs):
#                            SOA, 2 NS + glue, 1000 hosts h0000..h0999 with A
#                            (every 2nd also AAAA), www/mail/api, 50 in-zone
#                            CNAMEs c000..c049 -> hNNNN, wildcard *.wild,
#                            delegated child sub.example.test with glue,
#                            MX + TXT at apex, 20 TXT names.
#   data/mix.txt             100k queries "name TYPE": ~80% existing A/AAAA,
#                            10% NXDOMAIN, 5% CNAME, 5% other (MX/TXT/NS/SOA at
#                            apex, wildcard, referral into sub.), ~25% of names
#                            in rAnDoM case.
#   data/hot.txt             1 line: www.example.test A (best case, dnsperf loops it)
#   data/geo.txt             1 line: www.geo.example.test A   (the geoip-resolved name)
#   data/test.mmdb           tiny MaxMind DB (geoip/make_mmdb.pl)
#   data/geo-ecs-multi.bin   dnsperf -B (TCP-stream binary) file: 7000 queries "www.geo.example.test A",
#                            each with EDNS and an ECS option for a random /24 in one of 1/8 .. 7/8
#                            (NA, EU-DE, EU-GB, AS, OC, SA, AF in test.mmdb), ~25 % random case:
#                            the geo mix over many client networks (lib/make_ecs_queries.pl).
#   data/geo.example.test.zone   same as example.test.zone + "www.geo DYNA geoip!geo"
#                            line, for gdnsd's plugin_geoip variant only (sgdns' geo record is in
#                            its JSON config, see lib/servers.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/data}"
mkdir -p "$out"

awk -v seed=42 'BEGIN {
  srand(seed)
  print "$ORIGIN example.test."
  print "$TTL 3600"
  print "@\tIN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"
  print "@\tIN NS ns1.example.test."
  print "@\tIN NS ns2.example.test."
  print "@\tIN MX 10 mail.example.test."
  print "@\tIN MX 20 mail2.example.test."
  print "@\tIN TXT \"v=spf1 ip4:192.0.2.0/24 -all\""
  print "@\tIN TXT \"google-site-verification=abcdefghijklmnopqrstuvwxyz0123456789\""
  print "@\tIN A 192.0.2.1"
  print "@\tIN AAAA 2001:db8::1"
  print "ns1\tIN A 192.0.2.53"
  print "ns1\tIN AAAA 2001:db8::53"
  print "ns2\tIN A 198.51.100.53"
  print "ns2\tIN AAAA 2001:db8:1::53"
  print "www\tIN A 192.0.2.80"
  print "www\tIN AAAA 2001:db8::80"
  print "mail\tIN A 192.0.2.25"
  print "mail2\tIN A 192.0.2.26"
  print "api\tIN A 192.0.2.81"
  print "api\tIN A 192.0.2.82"
  print "api\tIN AAAA 2001:db8::81"
  for (i = 0; i < 1000; i++) {
    n = sprintf("h%04d", i)
    printf "%s\t300\tIN A 10.%d.%d.%d\n", n, int(i/65536)%256, int(i/256)%256, i%256
    if (i % 2 == 0) printf "%s\t300\tIN AAAA 2001:db8:a::%x\n", n, i
  }
  for (i = 0; i < 50; i++) printf "c%03d\tIN CNAME h%04d\n", i, (i*7)%1000
  print "*.wild\tIN A 192.0.2.99"
  print "*.wild\tIN TXT \"wildcard\""
  print "sub\tIN NS ns1.sub"
  print "sub\tIN NS ns2.sub"
  print "ns1.sub\tIN A 192.0.2.153"
  print "ns1.sub\tIN AAAA 2001:db8:2::53"
  print "ns2.sub\tIN A 198.51.100.153"
  for (i = 0; i < 20; i++) printf "t%02d\tIN TXT \"record %d some text payload for txt lookups\"\n", i, i
}' > "$out/example.test.zone"

cp "$out/example.test.zone" "$out/geo.example.test.zone"
printf 'www.geo\t30\tIN DYNA geoip!geo\n' >> "$out/geo.example.test.zone"

awk -v seed=42 -v N=100000 '
function rcase(s,   r, i, c) {           # random case on ~25% of names
  if (rand() >= 0.25) return s
  r = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    r = r (rand() < 0.5 ? toupper(c) : c)
  }
  return r
}
BEGIN {
  srand(seed)
  for (q = 0; q < N; q++) {
    x = rand()
    if (x < 0.80) {                        # existing A/AAAA
      y = rand()
      if (y < 0.05)      { name = "www.example.test"; t = (rand() < 0.7) ? "A" : "AAAA" }
      else if (y < 0.07) { name = "api.example.test"; t = "A" }
      else {
        i = int(rand() * 1000); name = sprintf("h%04d.example.test", i)
        t = (i % 2 == 0 && rand() < 0.4) ? "AAAA" : "A"
      }
    } else if (x < 0.90) {                 # NXDOMAIN
      name = sprintf("nx%06d.example.test", int(rand() * 1000000)); t = (rand() < 0.7) ? "A" : "AAAA"
    } else if (x < 0.95) {                 # CNAME (in-zone target, query type A)
      name = sprintf("c%03d.example.test", int(rand() * 50)); t = "A"
    } else {                               # other types / special paths
      y = int(rand() * 8)
      if (y == 0)      { name = "example.test"; t = "MX" }
      else if (y == 1) { name = "example.test"; t = "TXT" }
      else if (y == 2) { name = "example.test"; t = "NS" }
      else if (y == 3) { name = "example.test"; t = "SOA" }
      else if (y == 4) { name = sprintf("t%02d.example.test", int(rand() * 20)); t = "TXT" }
      else if (y == 5) { name = sprintf("x%d.wild.example.test", int(rand() * 100000)); t = "A" }
      else if (y == 6) { name = sprintf("host%d.sub.example.test", int(rand() * 1000)); t = "A" }
      else             { name = sprintf("h%04d.example.test", int(rand() * 1000)); t = "MX" }   # NODATA
    }
    print rcase(name), t
  }
}' > "$out/mix.txt"

echo "www.example.test A" > "$out/hot.txt"
echo "www.geo.example.test A" > "$out/geo.txt"

echo "wrote $out: $(grep -c IN "$out/example.test.zone") RRs, $(wc -l < "$out/mix.txt") mix queries" >&2

perl "$here/lib/make_ecs_queries.pl" 7000 > "$out/geo-ecs-multi.bin"

# tiny GeoIP2-City database for the geo variants (gdnsd plugin_geoip, sgdns geo)
perl "$here/geoip/make_mmdb.pl" "$out/test.mmdb"
