# lib/servers.sh — registry of the benchmarked servers (sourced by bench/run; from the shared peer harness).
#
# For every server NAME there is a function
#     srv_NAME WORKDIR PORT THREADS
# that writes the server's configuration into WORKDIR (a fresh empty dir) and prints, on stdout, ONE shell
# command line that runs the server in the FOREGROUND (the harness execs it, so the PID it records is the
# server's own; it stops it with SIGTERM, then SIGKILL, by that PID only).
#   PORT     UDP/TCP port on 127.0.0.1 (the only address ever used)
#   THREADS  UDP worker count: 1 in modes cap/pin (one core), 2 in mode free
# Zone data: $ZONEFILE (default $DATA/example.test.zone, origin example.test.; the load phase points it at
# $DATA/big.example.test.zone), $DATA/geo.example.test.zone and $DATA/test.mmdb for the geo servers.
# $SGDNS is the sgdns binary (build-bench/sgdns).
#
#   sgdns      sgdns --zone example.test.=ZONE --listen 127.0.0.1:PORT --threads T --no-rrl   (flags only)
#   sgdns-geo  sgdns --config sgdns.json: same zone + geo record www.geo.example.test. mirroring gdnsd-geo
#   sgdns-rrl  sgdns with response rate limiting on at 1,000,000/s, above any bucket's offered load: the
#              cost of checking every reply, nothing limited (phase protect)
#   sgdns-cookie  sgdns as shipped (RRL on at 200/s), asked with a valid DNS Cookie (qset mix-cookie):
#              every query's server cookie is checked by SipHash, which exempts it from RRL (phase protect)
#   sgdns-geo-dnstap     sgdns-geo with dnstap on: every query and response (AUTH_QUERY + AUTH_RESPONSE)
#                        to the collector bench/run starts on core 0 ($DNSTAP_SOCKET, phase dnstap)
#   sgdns-geo-dnstap10   the same, sampling one query in 10
# sgdns runs with RRL off (--no-rrl, "rrl": false) where it is compared with the other servers: dnsperf is
# one client asking far above any per-client rate, and NSD, Knot and gdnsd run without RRL here too.
#   knot       knotd, udp-workers=T, tcp-workers 1, journal off
#   nsd        nsd -d, server-count=T, reuseport, RRL off (Debian builds it with RRL on by default)
#   gdnsd      gdnsd, udp_threads=T, tcp_threads 1
#   gdnsd-geo  gdnsd + plugin_geoip: continent map + "auto" (nearest by coordinates), 3 DCs
#   echo       echo/udp_echo: flips the QR bit, no DNS logic — the loopback + dnsperf ceiling
# Extra ad-hoc servers: bench/run --server 'custom:NAME=COMMAND' with placeholders {PORT} {THREADS} {ZONE}
# {DIR} {DATA} {HERE} (see bench/run --help).

declare -gA SRV_PORT=(
  [knot]=5401 [nsd]=5402 [gdnsd]=5403 [echo]=5406 [gdnsd-geo]=5408
  [sgdns]=5420 [sgdns-geo]=5421 [sgdns-rrl]=5422 [sgdns-cookie]=5423
  [sgdns-geo-dnstap]=5424 [sgdns-geo-dnstap10]=5425 [sgdns-geo-signed]=5426
)
# what each server needs to run; a server whose binary is missing is skipped (and reported)
declare -gA SRV_BIN=(
  [knot]=knotd [nsd]=nsd [gdnsd]=gdnsd [gdnsd-geo]=gdnsd [echo]="$HERE/echo/udp_echo"
  [sgdns]="$SGDNS" [sgdns-geo]="$SGDNS" [sgdns-rrl]="$SGDNS" [sgdns-cookie]="$SGDNS"
  [sgdns-geo-dnstap]="$SGDNS" [sgdns-geo-dnstap10]="$SGDNS" [sgdns-geo-signed]="$SGDNS"
)
# the name the harness waits for at start (must answer NOERROR)
declare -gA SRV_PROBE=([gdnsd-geo]=www.geo.example.test [sgdns-geo]=www.geo.example.test
  [sgdns-geo-dnstap]=www.geo.example.test [sgdns-geo-dnstap10]=www.geo.example.test
  [sgdns-geo-signed]=www.geo.example.test)

ZONEFILE=${ZONEFILE:-$DATA/example.test.zone}

srv_sgdns() {
  local d=$1 port=$2 th=$3
  echo "$SGDNS --zone example.test.=$ZONEFILE --listen 127.0.0.1:$port --threads $th --no-rrl"
}

srv_sgdns-rrl() {
  local d=$1 port=$2 th=$3
  echo "$SGDNS --zone example.test.=$ZONEFILE --listen 127.0.0.1:$port --threads $th --rrl-rate 1000000"
}

srv_sgdns-cookie() {
  local d=$1 port=$2 th=$3
  echo "$SGDNS --zone example.test.=$ZONEFILE --listen 127.0.0.1:$port --threads $th"
}

# The gdnsd-geo setup below, in sgdns terms: three regions at gdnsd's DC coordinates with its continent
# map (NA/SA -> us, EU -> eu, AS/OC -> ap; AF is "auto" in gdnsd = nearest by coordinates, which is what
# sgdns does for a location no region lists), one pool per DC with gdnsd's dcmap address, the record
# www.geo.example.test. (A, TTL 30, policy geo, one answer). ECS from anyone is used (gdnsd's default).
# Queries without ECS come from 127.0.0.1, which test.mmdb maps to NA/US, as for gdnsd.
srv_sgdns-geo() {
  local d=$1 port=$2 th=$3
  cp "$ZONEFILE" "$d/example.test.zone"
  cp "$DATA/test.mmdb" "$d/test.mmdb"
  cat > "$d/sgdns.json" <<EOF2
{
  "listen": ["127.0.0.1:$port"],
  "threads": $th,
  "rrl": false,
  "zones": [{"origin": "example.test.", "file": "example.test.zone"}],
  "geoip": {"databases": ["test.mmdb"]},
  "ecs": {"trust": "all"},
  "default_region": "dc-us",
  "regions": {
    "dc-us": {"location": [39.0, -77.5], "continents": ["NA", "SA"]},
    "dc-eu": {"location": [50.1, 8.7],   "continents": ["EU"], "fallback": ["dc-us", "dc-ap"]},
    "dc-ap": {"location": [1.35, 103.8], "continents": ["AS", "OC"]}
  },
  "pools": {
    "dc-us": {"region": "dc-us", "members": ["192.0.2.10"]},
    "dc-eu": {"region": "dc-eu", "members": ["192.0.2.20"]},
    "dc-ap": {"region": "dc-ap", "members": ["192.0.2.30"]}
  },
  "records": {
    "www.geo.example.test.": {"types": ["A"], "ttl": 30, "policy": "geo",
                              "pools": ["dc-us", "dc-eu", "dc-ap"], "max_answers": 1}
  }
}
EOF2
  echo "$SGDNS --config $d/sgdns.json"
}

# sgdns-geo plus a "dnstap" section (a JSON object's members) pointing at the phase's collector.
sgdns_geo_dnstap() {
  local d=$1 port=$2 th=$3 members=$4
  srv_sgdns-geo "$d" "$port" "$th" > /dev/null
  sed -i "s|^  \"rrl\": false,|  \"rrl\": false,\n  \"dnstap\": {\"socket\": \"$DNSTAP_SOCKET\"$members},|" "$d/sgdns.json"
  grep -q '"dnstap"' "$d/sgdns.json" || { echo "sgdns_geo_dnstap: could not add dnstap to $d/sgdns.json" >&2; return 1; }
  echo "$SGDNS --config $d/sgdns.json"
}
# sgdns-geo with example.test. signed by a fresh ECDSA P-256 CSK (ldns-keygen, in the server's directory):
# queried with DO set, every answer carries RRSIGs (static ones made at load, geo answers and
# compact-denial NSECs from the signature cache).
srv_sgdns-geo-signed() {
  local d=$1 port=$2 th=$3 key
  srv_sgdns-geo "$d" "$port" "$th" > /dev/null
  rm -f "$d"/Kexample.test.*
  key=$(cd "$d" && ldns-keygen -a ECDSAP256SHA256 -k example.test) || { echo "srv_sgdns-geo-signed: ldns-keygen failed" >&2; return 1; }
  sed -i "s|\"file\": \"example.test.zone\"}|\"file\": \"example.test.zone\", \"dnssec\": {\"keys\": [{\"file\": \"$d/$key\", \"role\": \"csk\"}]}}|" "$d/sgdns.json"
  grep -q '"dnssec"' "$d/sgdns.json" || { echo "srv_sgdns-geo-signed: could not add dnssec to $d/sgdns.json" >&2; return 1; }
  echo "$SGDNS --config $d/sgdns.json"
}

srv_sgdns-geo-dnstap() { sgdns_geo_dnstap "$1" "$2" "$3" ""; }
srv_sgdns-geo-dnstap10() { sgdns_geo_dnstap "$1" "$2" "$3" ', "sample": 10'; }

srv_knot() {
  local d=$1 port=$2 th=$3
  mkdir -p "$d/db"
  cp "$ZONEFILE" "$d/example.test.zone"
  cat > "$d/knot.conf" <<EOF
server:
    rundir: "$d"
    pidfile: "$d/knot.pid"
    listen: 127.0.0.1@$port
    udp-workers: $th
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$d/db"
control:
    listen: "$d/knot.sock"
template:
  - id: default
    storage: "$d"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: example.test
    file: "$d/example.test.zone"
EOF
  echo "knotd -c $d/knot.conf"
}

srv_nsd() {
  local d=$1 port=$2 th=$3
  cp "$ZONEFILE" "$d/example.test.zone"
  cat > "$d/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$port
    port: $port
    server-count: $th
    reuseport: yes
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$d"
    database: ""
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    pidfile: "$d/nsd.pid"
    logfile: "$d/nsd.log"
    verbosity: 0
    hide-version: yes
    receive-buffer-size: 4194304
    send-buffer-size: 4194304
    # Debian's NSD is built with RRL, on by default (200 qps per /24): off
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: "$d/example.test.zone"
EOF
  echo "nsd -d -c $d/nsd.conf"
}

_gdnsd_common() {   # DIR PORT THREADS ZONEFILE EXTRA_PLUGINS
  local d=$1 port=$2 th=$3 zone=$4 plugins=$5
  mkdir -p "$d/etc/zones" "$d/etc/geoip" "$d/run" "$d/state"
  cp "$zone" "$d/etc/zones/example.test"
  cat > "$d/etc/config" <<EOF
options => {
  listen => [ 127.0.0.1:$port ]
  udp_threads => $th
  tcp_threads => 1
  run_dir => "$d/run"
  state_dir => "$d/state"
}
$plugins
EOF
  echo "gdnsd -c $d/etc start"
}
srv_gdnsd() { _gdnsd_common "$1" "$2" "$3" "$ZONEFILE" ""; }

srv_gdnsd-geo() {
  local d=$1
  local out; out=$(_gdnsd_common "$1" "$2" "$3" "$DATA/geo.example.test.zone" "$(cat <<'EOF'
plugins => {
  geoip => {
    maps => {
      geo_map => {
        geoip2_db => test.mmdb
        datacenters => [ dc-us, dc-eu, dc-ap ]
        map => {
          NA => [ dc-us, dc-eu, dc-ap ]
          SA => [ dc-us, dc-eu, dc-ap ]
          EU => { default => [ dc-eu, dc-us, dc-ap ], GB => [ dc-eu, dc-us ] }
          AF => auto
          AS => [ dc-ap, dc-eu, dc-us ]
          OC => [ dc-ap, dc-us, dc-eu ]
        }
        auto_dc_coords => {
          dc-us => [ 39.0, -77.5 ]
          dc-eu => [ 50.1, 8.7 ]
          dc-ap => [ 1.35, 103.8 ]
        }
      }
    }
    resources => {
      geo => {
        map => geo_map
        service_types => up
        dcmap => {
          dc-us => 192.0.2.10
          dc-eu => 192.0.2.20
          dc-ap => 192.0.2.30
        }
      }
    }
  }
}
EOF
)")
  cp "$DATA/test.mmdb" "$d/etc/geoip/test.mmdb"
  echo "$out"
}


# echo: 1 thread when pinned; THREADS=2 (unpinned) = 2 threads on SO_REUSEPORT sockets
srv_echo()     { echo "$HERE/echo/udp_echo -a 127.0.0.1 -p $2 -t $3"; }
