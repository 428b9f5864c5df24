#!/usr/bin/env bash
# Build sgdns (Release) and run it in the foreground on the shipped zones/ on a
# loopback port.
#
#   scripts/run.sh                 # 127.0.0.1:5353 and [::1]:5353
#   SGDNS_PORT=5300 scripts/run.sh # another port
#
# If sgdns.json exists at the repo root, it replaces the --zone/--nsid flags
# (zones, GeoIP data, identity come from it); the loopback --listen flags are
# still given and override the file's "listen". Extra arguments are passed on
# to sgdns. Stop with Ctrl-C (SIGINT) or SIGTERM; reload zones with SIGHUP.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/deps.sh
need_build_deps

# ccache: share hits between clones in different folders.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSGDNS_TESTS=OFF
cmake --build build-release -j2

bin=build-release/sgdns
if [[ ! -x $bin ]]; then
  echo "run.sh: $bin was not built (is src/main.cc there yet?)" >&2
  exit 1
fi

port="${SGDNS_PORT:-5353}"
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "run.sh: SGDNS_PORT must be a port number, got '$port'" >&2
  exit 2
fi

# ::1 is usable only if the kernel has IPv6 and lo carries ::1.
have_ipv6_loopback() {
  [[ -r /proc/net/if_inet6 ]] && grep -qi '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

listen=(--listen "127.0.0.1:$port")
where="127.0.0.1:$port"
if have_ipv6_loopback; then
  listen+=(--listen "[::1]:$port")
  where+=" and [::1]:$port"
else
  echo "run.sh: ::1 is not available, listening on IPv4 only" >&2
fi

nsid="$(hostname 2>/dev/null || uname -n)"

if [[ -f sgdns.json ]]; then
  # The admin API's write token: made once per checkout, never committed.
  if [[ ! -s admin.token ]]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > admin.token)
  fi
  # Flags beside --config override the file (docs/configuration.md), so the
  # loopback --listen below wins over the file's "listen".
  args=(--config sgdns.json "${listen[@]}")
  echo "sgdns: serving what sgdns.json lists (zones, GeoIP data, dynamic records)"
  echo "admin: http://127.0.0.1:8053/v1/status (writes: Authorization: Bearer \$(cat admin.token))"
else
  args=(--zone streamgate.example.=zones/streamgate.example.zone "${listen[@]}" --nsid "$nsid")
  echo "sgdns: serving streamgate.example. from zones/streamgate.example.zone"
fi
echo "sgdns: listening on $where (UDP and TCP)"
echo "try:   kdig @127.0.0.1 -p $port www.streamgate.example A +subnet=203.0.113.0/24"

exec "$bin" "${args[@]}" "$@"
