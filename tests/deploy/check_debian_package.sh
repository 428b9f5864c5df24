#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian package on this machine, checks what it installed, runs the installed binary on the
# installed default configuration, and purges it again (also when a check fails). Usage:
#   check_debian_package.sh build-deb/sgdns_<version>_<arch>.deb
# Needs root. Refuses to run when an sgdns package is already installed (it would be replaced and purged).
# No service is started by the install: a policy-rc.d that forbids it is in place meanwhile (as in
# scripts/deps.sh), so a machine running systemd is not left with sgdns on port 53.
set -euo pipefail
deb=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail=0
check() { # DESCRIPTION COMMAND...: run it, report, remember a failure
  local what=$1
  shift
  if "$@"; then
    echo "package-install: ok: $what"
  else
    echo "package-install: FAILED: $what"
    fail=1
  fi
}

if [[ $(dpkg-query -W -f='${Status}' sgdns 2>/dev/null || true) == *" installed" ]]; then
  echo "package-install: an sgdns package is already installed here; remove it first (dpkg --purge sgdns)"
  exit 1
fi

# apt-get rather than dpkg: it waits for the dpkg lock (another engineer's install may hold it), and
# its dependencies are the runtime libraries the build dependencies already installed.
apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
policy=/usr/sbin/policy-rc.d
backup=""
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  "${apt[@]}" purge sgdns >/dev/null 2>&1 || true
  if [[ -n $backup ]]; then mv -f "$backup" "$policy"; else rm -f "$policy"; fi
}
if [[ -e $policy ]]; then
  backup=$(mktemp /tmp/policy-rc.d.sgdns.XXXXXX)
  cp -p "$policy" "$backup"
fi
trap cleanup EXIT
printf '#!/bin/sh\n# sgdns check_debian_package.sh: start no service while installing\nexit 101\n' >"$policy"
chmod 755 "$policy"

echo "package-install: apt-get install $deb"
"${apt[@]}" install "$deb"
version=$(dpkg-deb -f "$deb" Version)

# What it installed, where.
check "installed, version $version" test "$(dpkg-query -W -f='${Status} ${Version}' sgdns)" = "install ok installed $version"
# shows OUTPUT-PATTERN COMMAND...: the command succeeds and its output (printed) matches the pattern.
shows() {
  local pattern=$1 out
  shift
  out=$("$@" 2>&1) || {
    echo "$out"
    return 1
  }
  echo "$out"
  grep -qE "$pattern" <<<"$out"
}
# quiet_about PATTERN COMMAND...: the command succeeds and its output (printed) does not match the pattern.
quiet_about() {
  local pattern=$1 out
  shift
  out=$("$@" 2>&1) || {
    echo "$out"
    return 1
  }
  echo "$out"
  ! grep -qE "$pattern" <<<"$out"
}
check "--version runs and names the version" shows "^sgdns $version \\(commit " /usr/sbin/sgdns --version
check "user and group sgdns" getent passwd sgdns
check "/var/lib/sgdns: sgdns:sgdns 750" test "$(stat -c '%U:%G %a' /var/lib/sgdns)" = "sgdns:sgdns 750"
check "/etc/sgdns/admin.token: sgdns:sgdns 600, 48 hex digits" bash -c \
  "test \"\$(stat -c '%U:%G %a' /etc/sgdns/admin.token)\" = 'sgdns:sgdns 600' && grep -qxE '[0-9a-f]{48}' /etc/sgdns/admin.token"
check "the configuration and the zone are conffiles" bash -c \
  "dpkg-query -W -f='\${Conffiles}\n' sgdns | grep -q '/etc/sgdns/sgdns.json ' && dpkg-query -W -f='\${Conffiles}\n' sgdns | grep -q '/etc/sgdns/zones/streamgate.example.zone '"
check "the unit is deploy/systemd/sgdns.service with the package's paths" bash -c \
  "sed -e 's#/usr/local/bin/sgdns#/usr/sbin/sgdns#' -e 's#^Documentation=.*#Documentation=man:sgdns(8) man:sgdns.json(5) file:///usr/share/doc/sgdns/operations.md#' \
     '$root/deploy/systemd/sgdns.service' | diff - /lib/systemd/system/sgdns.service"
check "systemd-analyze verify accepts the installed unit" \
  quiet_about 'sgdns' systemd-analyze verify --man=no /lib/systemd/system/sgdns.service
check "manual pages sgdns(8) and sgdns.json(5)" bash -c \
  "man -w 8 sgdns | grep -q '^/usr/share/man/man8/sgdns.8.gz$' && man -w 5 sgdns.json | grep -q '^/usr/share/man/man5/sgdns.json.5.gz$'"
check "documentation, runbooks and monitoring files" test -f /usr/share/doc/sgdns/operations.md -a \
  -f /usr/share/doc/sgdns/runbooks/reload-failed.md -a -f /usr/share/sgdns/monitoring/prometheus/sgdns.rules.yml \
  -a -f /usr/share/sgdns/monitoring/grafana/sgdns.json -a -f /usr/share/doc/sgdns/copyright
check "sgdns check on the installed default configuration, as root" /usr/sbin/sgdns check --config /etc/sgdns/sgdns.json
check "sgdns check on the installed default configuration, as user sgdns, without a warning" \
  quiet_about warning setpriv --reuid=sgdns --regid=sgdns --init-groups /usr/sbin/sgdns check --config /etc/sgdns/sgdns.json

# The installed binary serves the installed configuration as the unit would run it (user sgdns), on free
# loopback ports instead of 53 (flags override the file's listen and admin addresses).
free_port() {
  python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}
dns_port=$(free_port)
admin_port=$(free_port)
setpriv --reuid=sgdns --regid=sgdns --init-groups /usr/sbin/sgdns --config /etc/sgdns/sgdns.json --listen "127.0.0.1:$dns_port" \
  --admin "127.0.0.1:$admin_port" 2>/tmp/sgdns-package-$$.log &
server_pid=$!
ready=0
# The serial the installed zone file holds, so the answer is known to come from that file.
serial=$(awk '/; serial/ {print $1; exit}' /etc/sgdns/zones/streamgate.example.zone)
check "the installed zone file has a serial" test -n "$serial"
for _ in $(seq 100); do
  if kdig @127.0.0.1 -p "$dns_port" +time=1 +retry=0 streamgate.example SOA +short 2>/dev/null | grep -q " $serial "; then
    ready=1
    break
  fi
  sleep 0.1
done
check "the installed server answers the zone's SOA" test "$ready" = 1
check "its readiness endpoint says ready" bash -c "curl -sf http://127.0.0.1:$admin_port/v1/ready | grep -q '\"ready\": *true'"
check "sgdns ctl with the installed token sets an override, persisted (as user sgdns)" bash -c \
  "setpriv --reuid=sgdns --regid=sgdns --init-groups /usr/sbin/sgdns ctl --config /etc/sgdns/sgdns.json --admin 127.0.0.1:$admin_port override set edge-eu 192.0.2.201 down --reason package-test >/dev/null \
   && test -s /var/lib/sgdns/overrides.json"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""
cat /tmp/sgdns-package-$$.log
check "the installed server logged no warning or error" bash -c "! grep -E '^[^ ]+ (warn|error) ' /tmp/sgdns-package-$$.log"
rm -f /tmp/sgdns-package-$$.log

echo "package-install: apt-get purge sgdns"
"${apt[@]}" purge sgdns
check "purge removed the binary, /etc/sgdns and /var/lib/sgdns" test ! -e /usr/sbin/sgdns -a ! -e /etc/sgdns -a ! -e /var/lib/sgdns
check "dpkg no longer knows it" bash -c "! dpkg-query -W -f='\${Status}' sgdns 2>/dev/null | grep -q ' installed'"
exit "$fail"
