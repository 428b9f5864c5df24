#!/usr/bin/env bash
# The one place that lists the Debian 12 packages sgdns needs.
#
# Source it and call a function:
#   source scripts/deps.sh; need_build_deps      # compile sgdns
#   source scripts/deps.sh; need_test_deps       # compile + run every test
# or run it directly:
#   scripts/deps.sh build|test|runtime|list-build|list-test|list-runtime
#
# Only missing packages are installed (checked with dpkg-query), so on a machine
# that already has everything nothing touches the network. Installing never
# starts a service: knot, nsd and unbound would otherwise start system daemons,
# so a policy-rc.d that answers 101 ("action forbidden") is put in place for the
# duration of the install and removed afterwards.

# Compile sgdns (Release or any other build type). libssl-dev: the admin port's
# TLS is OpenSSL, linked directly (Debian's civetweb cannot do TLS with
# OpenSSL 3, see src/admin/tls_front.h), and the configuration file's SHA-256
# for /v1/status; git: the commit that --version names (read at configure
# time, optional); libfstrm-dev, libprotobuf-c-dev and protobuf-c-compiler:
# dnstap output (Frame Streams writer thread, and the dnstap schema compiled
# to C at build time).
SGDNS_BUILD_DEPS=(
  build-essential cmake ninja-build ccache pkg-config
  libldns-dev libmaxminddb-dev libuv1-dev liburcu-dev nlohmann-json3-dev
  prometheus-cpp-dev libcivetweb-dev libcurl4-openssl-dev catch2 libssl-dev libsodium-dev
  libfstrm-dev libprotobuf-c-dev protobuf-c-compiler
  git
)

# Run every test: the build deps plus reference servers/clients for the
# differential, integration and replication tests (bind9: BIND 9 as a
# secondary of sgdns), clang + compiler-rt for the fuzz build,
# the GeoIP tools for making test databases, iso-codes (the ISO 3166-1 list the
# continent table is checked against), clang-format for the format check,
# kzonecheck (knot-dnssecutils on Debian 12) for the zone lint, openssl to make
# the admin TLS test certificates, curl as an independent HTTP client,
# systemd for `systemd-analyze verify/security` of the shipped unit, jq for the
# configuration check's variant, man-db + groff-base to render the manual
# pages, prometheus for promtool (the alert rules' checks and unit tests) and
# python3-yaml for the monitoring cross-check (tests/monitoring) and the
# Kubernetes manifests' check (tests/deploy), dpkg-dev + debhelper to build
# the Debian package (scripts/package.sh; its Build-Depends are all listed
# here) and lintian to check it, chromium to load the status page headless
# (tests/status: screenshot, an override shown within 2 s), fstrm-bin for
# fstrm_capture, the independent dnstap receiver of the dnstap test, etcd-server (the `etcd` the fleet
# test starts on loopback) and etcd-client (etcdctl, its independent reader of what sgdns wrote).
SGDNS_TEST_DEPS=(
  "${SGDNS_BUILD_DEPS[@]}"
  knot-dnsutils dnsutils ldnsutils dnsperf knot nsd unbound bind9
  clang libclang-rt-14-dev clang-format
  mmdb-bin libmaxmind-db-writer-perl iso-codes
  knot-dnssecutils prometheus openssl curl systemd
  jq man-db groff-base python3-yaml
  dpkg-dev debhelper lintian
  chromium
  fstrm-bin
  etcd-server etcd-client
)

# Shared libraries the Release binary needs at run time (the Dockerfile's
# runtime stage installs exactly these). libssl3: the admin port's TLS;
# libsodium23: SipHash for DNS Cookies; libfstrm0 + libprotobuf-c1: dnstap.
SGDNS_RUNTIME_DEPS=(
  libldns3 libmaxminddb0 libuv1 liburcu8 libcurl4 libcivetweb1
  libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libssl3 libsodium23
  libfstrm0 libprotobuf-c1
)

# Print the packages among "$@" that are not installed.
sgdns_missing_pkgs() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == *" installed" ]] || printf '%s\n' "$p"
  done
}

# Install the packages among "$@" that are missing; do nothing (and touch no
# network) when all are present.
sgdns_install_missing() {
  local missing
  mapfile -t missing < <(sgdns_missing_pkgs "$@")
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "deps: installing missing Debian packages: ${missing[*]}" >&2
  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
      return 1
    fi
  fi
  # A subshell so that the EXIT trap restoring policy-rc.d cannot clobber the
  # caller's traps.
  (
    set -euo pipefail
    policy=/usr/sbin/policy-rc.d
    backup=""
    if [[ -e $policy ]]; then
      backup=$(mktemp /tmp/policy-rc.d.sgdns.XXXXXX)
      "${sudo[@]}" cp -p "$policy" "$backup"
    fi
    # shellcheck disable=SC2317  # called through the trap
    restore() {
      if [[ -n $backup ]]; then
        "${sudo[@]}" cp -p "$backup" "$policy"
        rm -f "$backup"
      else
        "${sudo[@]}" rm -f "$policy"
      fi
    }
    trap restore EXIT
    printf '#!/bin/sh\n# sgdns deps.sh: start no service while installing\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    export DEBIAN_FRONTEND=noninteractive
    apt_opts=(-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
      -o DPkg::Lock::Timeout=300)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${apt_opts[@]}" "${missing[@]}"
  )
  local still
  mapfile -t still < <(sgdns_missing_pkgs "$@")
  if ((${#still[@]} != 0)); then
    echo "deps: still missing after install: ${still[*]}" >&2
    return 1
  fi
}

need_build_deps() { sgdns_install_missing "${SGDNS_BUILD_DEPS[@]}"; }
need_test_deps() { sgdns_install_missing "${SGDNS_TEST_DEPS[@]}"; }
need_runtime_deps() { sgdns_install_missing "${SGDNS_RUNTIME_DEPS[@]}"; }

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    build) need_build_deps ;;
    test) need_test_deps ;;
    runtime) need_runtime_deps ;;
    list-build) printf '%s\n' "${SGDNS_BUILD_DEPS[@]}" ;;
    list-test) printf '%s\n' "${SGDNS_TEST_DEPS[@]}" ;;
    list-runtime) printf '%s\n' "${SGDNS_RUNTIME_DEPS[@]}" ;;
    *)
      echo "usage: $0 build|test|runtime|list-build|list-test|list-runtime" >&2
      exit 2
      ;;
  esac
fi
