#!/usr/bin/env bash
# Build sgdns and pass every test. Installs the Debian packages it needs first.
#
# Steps (each reported on its own summary line at the end):
#   format        clang-format --dry-run -Werror over src/ include/ tests/ bench/
#   zones         kzonecheck over zones/*.zone
#   layers        scripts/check_layers.sh: every #include "sgdns/..." and module link points down the
#                 layers of scripts/layers.txt (its own test is tests/layers, label unit)
#   build         build/       RelWithDebInfo, tests on
#   ctest         every label but hostile (unit timing golden integration differential load deploy
#                 browser drills docs: the status page in Chromium, the DR drills, the guides' runnable
#                 blocks); `timing` holds the tests that assert on wall-clock time, so it runs here and
#                 never under a sanitizer
#   hostile       the hostile-clients suite (tests/hostile), with the figure each scenario prints
#   config-check  sgdns check on the shipped sgdns.json, and on it with a default health check on the
#                 edge pools (the failover budget must hold with the defaults)
#   man           the manual pages render without warnings (man -l)
#   monitoring    promtool check rules and promtool test rules on monitoring/prometheus/, the Grafana
#                 dashboard parses (the metric cross-check against a live sgdns is in ctest: integration)
#   package       build-deb/   the Debian package (scripts/package.sh: debhelper, Release), lintian: no error
#   package-install  install it on this machine, check what it installed, run the installed binary on the
#                 installed configuration, purge it (tests/deploy/check_debian_package.sh; needs root)
#   build-asan    build-asan/  Debug + ASan/UBSan
#   ctest-asan    labels unit and golden
#   build-tsan    build-tsan/  clang + ThreadSanitizer (RelWithDebInfo): the unit tests and sgdns
#   ctest-tsan    labels unit and integration against the TSan sgdns; any report fails the step
#   build-fuzz    build-fuzz/  clang + libFuzzer targets
#   fuzz-query    the packet path over tests/fuzz/corpus/query for SGDNS_FUZZ_SECONDS (60)
#   fuzz-zone     the zone reader over tests/fuzz/corpus/zone for half that
#   fuzz-admin    the admin request path (Router over the real Control) for half that
#   fuzz-config   the JSON configuration and state-file parsers for half that
#   fuzz-geoip    MaxMind DB files through the walk and lookups (every layout's paths) for half that
#   fuzz-etcd     etcd gateway replies and the fleet's stored values (tests/fuzz/corpus/etcd) for half that
#   fuzz-replication  the IXFR journal file, TSIG key files and TSIG records for half that
#   fuzz-dnssec-key  DNSSEC key files (.key and .private) through parsing, OpenSSL and signing for half that
# The fuzz steps are skipped while tests/fuzz/CMakeLists.txt does not exist.
#
# Every step runs even if an earlier one failed (a test step is skipped only
# when its own build failed); the script exits non-zero if any step failed.
# Environment: SGDNS_JOBS (build parallelism, default 2), SGDNS_FUZZ_SECONDS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

source scripts/deps.sh
need_test_deps

jobs="${SGDNS_JOBS:-2}"
fuzz_seconds="${SGDNS_FUZZ_SECONDS:-60}"

# ccache: share hits between clones in different folders (CI uses a fresh clone).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
# Sanitizers: stop at the first error, with a stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

summary=()
failed=0
passed=0
skipped=0
declare -A status=()

# run_step NAME FUNCTION [ARGS...]: run FUNCTION in a subshell with set -e in
# force (it would be ignored inside an `if`), time it, record the result.
run_step() {
  local name=$1
  shift
  local start=$SECONDS rc
  echo
  echo "==================== $name ===================="
  set +e
  (
    set -euo pipefail
    "$@"
  )
  rc=$?
  set -e
  local took=$((SECONDS - start))
  if ((rc == 0)); then
    status[$name]=pass
    passed=$((passed + 1))
    summary+=("PASS  $name (${took}s)")
  else
    status[$name]=fail
    failed=$((failed + 1))
    summary+=("FAIL  $name (exit $rc, ${took}s)")
  fi
}

skip_step() {
  local name=$1 why=$2
  status[$name]=skip
  skipped=$((skipped + 1))
  summary+=("SKIP  $name ($why)")
  echo
  echo "==================== $name: skipped ($why) ===================="
}

# --- steps ----------------------------------------------------------------

format_check() {
  local files=()
  mapfile -d '' -t files < <(find src include tests bench \
    \( -path '*/third_party' -o -path '*/third-party' -o -path '*/vendor' -o -path '*/external' \
       -o -path 'tests/fuzz/corpus*' \) -prune -o \
    -type f \( -name '*.cc' -o -name '*.h' \) -print0 2>/dev/null | sort -z)
  if ((${#files[@]} == 0)); then
    echo "format: no source files found"
    return 1
  fi
  echo "format: checking ${#files[@]} files with $(clang-format --version)"
  clang-format --dry-run -Werror "${files[@]}"
}

zone_check() { # the file name is the origin: zones/<origin>.zone
  local f origin n=0 rc=0
  for f in zones/*.zone; do
    [[ -e $f ]] || continue
    origin="$(basename "$f" .zone)."
    echo "zones: kzonecheck -o $origin $f"
    kzonecheck -o "$origin" "$f" || rc=1
    n=$((n + 1))
  done
  if ((n == 0)); then
    echo "zones: no zones/*.zone"
    return 1
  fi
  return "$rc"
}

configure_and_build() { # DIR TARGET|all CMAKE-ARGS...
  local dir=$1 target=$2
  shift 2
  # A build dir made earlier by hand with another generator cannot be reused.
  if [[ -f $dir/CMakeCache.txt ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
    echo "$dir was configured with another generator: starting it afresh"
    rm -rf "$dir"
  fi
  cmake -S . -B "$dir" -G Ninja "$@"
  if [[ $target == all ]]; then
    cmake --build "$dir" -j "$jobs"
  else
    cmake --build "$dir" -j "$jobs" --target "$target"
  fi
}

build_fuzz() {
  export CC=clang CXX=clang++
  configure_and_build build-fuzz all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGDNS_FUZZ=ON -DSGDNS_SANITIZE=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
}

build_tsan() {
  export CC=clang CXX=clang++
  # clang: GCC 12 reports a false -Warray-bounds inside std::vector with -fsanitize=thread at -O2.
  configure_and_build build-tsan all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGDNS_TESTS=ON -DSGDNS_TSAN=ON \
    -DSGDNS_SANITIZE=OFF -DSGDNS_FUZZ=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
}

# The unit tests and the integration tests (whose sgdns is the TSan build) under ThreadSanitizer. Every
# process writes its reports to build-tsan/tsan-reports/ (the servers the integration tests start are
# often stopped with SIGKILL, which would lose a report printed at exit); any report fails the step.
run_tsan_tests() {
  local reports=$root/build-tsan/tsan-reports rc=0
  rm -rf "$reports"
  mkdir -p "$reports"
  TSAN_OPTIONS="log_path=$reports/tsan second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    ctest --test-dir build-tsan --output-on-failure --no-tests=error -j1 -L 'unit|integration' || rc=$?
  if compgen -G "$reports/tsan.*" >/dev/null; then
    cat "$reports"/tsan.*
    echo "tsan: ThreadSanitizer reports above (files in $reports)"
    return 1
  fi
  return "$rc"
}

run_fuzz() { # TARGET SECONDS: one libFuzzer target over its shipped corpus
  local target=$1 seconds=$2 bin
  bin=$(find build-fuzz -type f -name "$target" -perm -u+x -print -quit)
  [[ -n $bin ]] || {
    echo "fuzz: no $target binary under build-fuzz/"
    return 1
  }
  # New inputs go to a scratch corpus (git-ignored); the shipped corpus is only read.
  local corpus=${target#fuzz_}
  mkdir -p "tests/fuzz/corpus-run/$corpus" build-fuzz/artifacts
  local corpora=("tests/fuzz/corpus-run/$corpus")
  [[ -d tests/fuzz/corpus/$corpus ]] && corpora+=("tests/fuzz/corpus/$corpus")
  echo "fuzz: $bin for ${seconds}s over ${corpora[*]}"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/ "${corpora[@]}"
}

config_check() { # the shipped configuration as it is, and with a default check on every edge pool
  local tmp rc=0
  tmp=$(mktemp -d)
  # admin.token is made by scripts/run.sh at first start; a check needs one that exists.
  (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/token")
  echo "config-check: build/sgdns check --config sgdns.json"
  build/sgdns check --config sgdns.json --admin-token-file "$tmp/token" || rc=1
  # Beside sgdns.json, so its relative zone and GeoIP paths resolve the same way.
  local checked=.sgdns-check-$$.json
  jq '.checks = {"edge": {"type": "tcp"}}
      | .pools |= with_entries(if (.key | startswith("edge-")) then .value.check = "edge" else . end)' \
    sgdns.json >"$checked"
  echo "config-check: the same with a default check on the edge pools"
  build/sgdns check --config "$checked" --admin-token-file "$tmp/token" || rc=1
  grep -q '"check": "edge"' "$checked" || {
    echo "config-check: jq did not add the check"
    rc=1
  }
  rm -rf "$tmp" "$checked"
  return "$rc"
}

man_check() { # each page renders, and man reports no problem in it
  local page out rc=0
  for page in man/*.[0-9]; do
    out=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$page" 2>&1 >/dev/null)
    if [[ -n $out ]]; then
      echo "man: $page:"
      echo "$out"
      rc=1
    fi
    LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$page" | head -5
  done
  return "$rc"
}

monitoring_check() { # the alert rules lint and pass their unit tests; the dashboard is JSON
  promtool check rules monitoring/prometheus/sgdns.rules.yml
  (cd monitoring/prometheus && promtool test rules sgdns.rules.test.yml)
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("dashboard:", d["title"], len(d["panels"]), "panels")' \
    monitoring/grafana/sgdns.json
}

# --- run --------------------------------------------------------------------

run_step format format_check
run_step zones zone_check
run_step layers bash scripts/check_layers.sh

run_step build configure_and_build build all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGDNS_TESTS=ON \
  -DSGDNS_SANITIZE=OFF -DSGDNS_FUZZ=OFF
if [[ ${status[build]} == pass ]]; then
  run_step ctest ctest --test-dir build --output-on-failure --no-tests=error -j1 -LE hostile
  # -V: each scenario prints its figure ("hostile <scenario>: ...") even when it passes.
  run_step hostile ctest --test-dir build -V --no-tests=error -j1 -L hostile
  run_step config-check config_check
else
  skip_step ctest "build failed"
  skip_step hostile "build failed"
  skip_step config-check "build failed"
fi
run_step man man_check
run_step monitoring monitoring_check
run_step package bash scripts/package.sh
if [[ ${status[package]} == pass ]]; then
  run_step package-install bash tests/deploy/check_debian_package.sh "$(ls build-deb/sgdns_*.deb | grep -v dbgsym)"
else
  skip_step package-install "the package did not build"
fi

run_step build-asan configure_and_build build-asan all -DCMAKE_BUILD_TYPE=Debug -DSGDNS_TESTS=ON \
  -DSGDNS_SANITIZE=ON -DSGDNS_FUZZ=OFF
if [[ ${status[build-asan]} == pass ]]; then
  run_step ctest-asan ctest --test-dir build-asan --output-on-failure --no-tests=error -j1 -L 'unit|golden'
else
  skip_step ctest-asan "build failed"
fi

run_step build-tsan build_tsan
if [[ ${status[build-tsan]} == pass ]]; then
  run_step ctest-tsan run_tsan_tests
else
  skip_step ctest-tsan "build failed"
fi

if [[ -f tests/fuzz/CMakeLists.txt ]]; then
  run_step build-fuzz build_fuzz
  if [[ ${status[build-fuzz]} == pass ]]; then
    run_step fuzz-query run_fuzz fuzz_query "$fuzz_seconds"
    run_step fuzz-zone run_fuzz fuzz_zone "$((fuzz_seconds / 2))"
    run_step fuzz-admin run_fuzz fuzz_admin "$((fuzz_seconds / 2))"
    run_step fuzz-config run_fuzz fuzz_config "$((fuzz_seconds / 2))"
    run_step fuzz-geoip run_fuzz fuzz_geoip "$((fuzz_seconds / 2))"
    run_step fuzz-etcd run_fuzz fuzz_etcd "$((fuzz_seconds / 2))"
    run_step fuzz-replication run_fuzz fuzz_replication "$((fuzz_seconds / 2))"
    run_step fuzz-dnssec-key run_fuzz fuzz_dnssec_key "$((fuzz_seconds / 2))"
  else
    skip_step fuzz "build failed"
  fi
else
  skip_step build-fuzz "no tests/fuzz/CMakeLists.txt yet"
  skip_step fuzz "no tests/fuzz/CMakeLists.txt yet"
fi

echo
echo "==================== summary ===================="
printf '%s\n' "${summary[@]}"
echo "steps: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
