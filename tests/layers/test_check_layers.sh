#!/usr/bin/env bash
# scripts/check_layers.sh on small trees made here: a clean one passes; an upward include, a sideways
# include, an unlisted module, an upward CMake link and a stale architecture block each fail, naming
# the file and line. Then the real tree with one upward include injected into a copy of it fails too.
#
# Usage: tests/layers/test_check_layers.sh REPO_ROOT
set -euo pipefail
repo=$(cd "${1:?usage: $0 REPO_ROOT}" && pwd)
checker=$repo/scripts/check_layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect NAME pass|fail [NEEDLE]: runs the checker on $tmp/NAME and checks its verdict and message.
expect() {
  local name=$1 verdict=$2 needle=${3:-} out rc=0
  out=$("$checker" "$tmp/$name" 2>&1) || rc=$?
  if [[ $verdict == pass && $rc -ne 0 ]] || [[ $verdict == fail && $rc -eq 0 ]]; then
    echo "FAIL $name: expected $verdict, exit $rc:"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
    return
  fi
  if [[ -n $needle && $out != *"$needle"* ]]; then
    echo "FAIL $name: output lacks \"$needle\":"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
    return
  fi
  echo "ok   $name ($verdict)"
}

# make_tree NAME: util <- dns <- {zone geo} <- engine, with one file each and consistent docs and CMake.
make_tree() {
  local t=$tmp/$1
  mkdir -p "$t/scripts" "$t/docs"
  printf 'util\ndns\nzone geo\nengine\n' >"$t/scripts/layers.txt"
  printf 'text\n<!-- layers -->\n```\nengine\nzone geo\ndns\nutil\n```\n<!-- /layers -->\n' >"$t/docs/architecture.md"
  cat >"$t/CMakeLists.txt" <<'CMAKE'
sgdns_module(util DEPS Threads::Threads)
sgdns_module(dns DEPS sgdns_util)
sgdns_module(zone DEPS sgdns_dns)
sgdns_module(geo DEPS sgdns_util)
sgdns_module(engine DEPS sgdns_zone sgdns_geo)
CMAKE
  for m in util dns zone geo engine; do mkdir -p "$t/src/$m" "$t/include/sgdns/$m"; done
  echo '#include "sgdns/util/log.h"' >"$t/src/util/log.cc"
  printf '#include "sgdns/dns/name.h"\n#include "sgdns/util/log.h"\n' >"$t/src/dns/name.cc"
  echo '#include "sgdns/dns/name.h"' >"$t/include/sgdns/zone/zone.h"
  echo '#include "sgdns/util/log.h"' >"$t/src/geo/map.cc"
  printf '#include "sgdns/zone/zone.h"\n#include "sgdns/geo/map.h"\n' >"$t/include/sgdns/engine/engine.h"
  echo '#include "sgdns/engine/engine.h"' >"$t/src/main.cc"
}

make_tree clean
expect clean pass "points down"

make_tree upward
printf '// SPDX\n#include "sgdns/dns/name.h"\n  #  include "sgdns/engine/engine.h"\n' >"$tmp/upward/src/dns/writer.cc"
expect upward fail "src/dns/writer.cc:3: dns includes engine: an upward edge"

make_tree upward_header
echo '#include "sgdns/zone/zone.h"' >"$tmp/upward_header/include/sgdns/util/log.h"
expect upward_header fail "include/sgdns/util/log.h:1: util includes zone: an upward edge"

make_tree sideways
echo '#include "sgdns/geo/map.h"' >>"$tmp/sideways/include/sgdns/zone/zone.h"
expect sideways fail "include/sgdns/zone/zone.h:2: zone includes geo: a sideways edge"

make_tree unknown_target
echo '#include "sgdns/nowhere/x.h"' >"$tmp/unknown_target/src/zone/z.cc"
expect unknown_target fail "src/zone/z.cc:1: includes sgdns/nowhere/, which is no module"

make_tree unlisted
mkdir -p "$tmp/unlisted/src/fleet"
expect unlisted fail "module 'fleet' is not in scripts/layers.txt"

make_tree cmake_up
sed -i 's/sgdns_module(dns DEPS sgdns_util)/sgdns_module(dns DEPS sgdns_util sgdns_engine)/' "$tmp/cmake_up/CMakeLists.txt"
expect cmake_up fail "CMakeLists.txt:2: dns links sgdns_engine: engine is not below dns"

make_tree stale_doc
sed -i 's/^zone geo$/zone/' "$tmp/stale_doc/docs/architecture.md"
expect stale_doc fail "docs/architecture.md: the block between"

make_tree commented
printf '// #include "sgdns/engine/engine.h" is what we must not do\n' >"$tmp/commented/src/dns/note.cc"
expect commented pass

# The real tree passes, and a copy of it with one upward include injected fails on that line.
expect_real() {
  local out rc=0
  out=$("$checker" "$repo" 2>&1) || rc=$?
  if ((rc != 0)); then
    echo "FAIL the repository itself:"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok   repository (pass)"
  fi
}
expect_real
mkdir -p "$tmp/real"
(cd "$repo" && tar -cf - scripts/layers.txt scripts/check_layers.sh docs/architecture.md CMakeLists.txt src include) |
  tar -xf - -C "$tmp/real"
lines=$(wc -l <"$tmp/real/src/dns/name.cc")
echo '#include "sgdns/app/explain.h"' >>"$tmp/real/src/dns/name.cc"
expect real fail "src/dns/name.cc:$((lines + 1)): dns includes app: an upward edge"

if ((failures)); then
  echo "test_check_layers: $failures failure(s)"
  exit 1
fi
echo "test_check_layers: all cases as expected"
