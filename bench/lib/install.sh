#!/usr/bin/env bash
# lib/install.sh — install what bench/run needs on Debian 12 (as root), starting no service.
#
# Only missing packages are installed (nothing touches the network when all are there), through the
# project's scripts/deps.sh, which puts a policy-rc.d answering 101 in place for the install, so the
# packaged knot/nsd/gdnsd services never start. If systemd runs, their units are also stopped and disabled.
#   - sgdns build deps: scripts/deps.sh's list
#   - load generator + peers: dnsperf, knot (+ knot-dnsutils for kdig/knotc), nsd, gdnsd
#   - tools: libmaxmind-db-writer-perl (make_mmdb.pl), time (/usr/bin/time -v), gcc/make (echo ceiling)
# gdnsd is installed on its own and may fail: the peers that cannot run are skipped by bench/run.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/deps.sh
source "$root/scripts/deps.sh"

BENCH_PKGS=(dnsperf knot knot-dnsutils nsd libmaxmind-db-writer-perl time gcc make libc6-dev procps iproute2 util-linux)
OPTIONAL_PKGS=(gdnsd)

status=0
need_build_deps || status=1
sgdns_install_missing "${BENCH_PKGS[@]}" || status=1
for p in "${OPTIONAL_PKGS[@]}"; do
  sgdns_install_missing "$p" || echo "install: optional package $p could not be installed; its runs are skipped" >&2
done
if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then
  for u in knot nsd gdnsd; do systemctl disable --now "$u" >/dev/null 2>&1 || true; done
fi
exit $status
