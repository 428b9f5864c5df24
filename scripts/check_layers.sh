#!/usr/bin/env bash
# Enforces scripts/layers.txt: every #include "sgdns/MODULE/..." in src/ and include/ and every sgdns_MODULE
# in a sgdns_module(... DEPS ...) line of CMakeLists.txt points to a lower layer, every module folder is
# listed, and docs/architecture.md shows the same layers. Prints one line per violation, exits 1 on any.
#
# Usage: scripts/check_layers.sh [ROOT]   (ROOT defaults to the repository holding this script)
set -euo pipefail
root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
cd "$root"
layers_file=scripts/layers.txt
[[ -f $layers_file ]] || {
  echo "$layers_file: missing"
  exit 1
}

declare -A rank=()
layer_lines=()
r=0
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%%#*}
  read -ra mods <<<"$line"
  ((${#mods[@]})) || continue
  for m in "${mods[@]}"; do rank[$m]=$r; done
  layer_lines+=("${mods[*]}")
  r=$((r + 1))
done <"$layers_file"
rank[main]=$r # src/main.cc sits on top of everything
order=$(printf '%s | ' "${layer_lines[@]}")
order=${order% | }

failures=0
fail() {
  echo "$1"
  failures=$((failures + 1))
}

# Every module folder has a layer.
for dir in src/*/ include/sgdns/*/; do
  [[ -d $dir ]] || continue
  m=$(basename "$dir")
  [[ -n ${rank[$m]+set} ]] || fail "$dir: module '$m' is not in $layers_file"
done

# Includes: the including file's module from its path, the included one from "sgdns/<module>/".
while IFS= read -r hit; do
  file=${hit%%:*}
  rest=${hit#*:}
  lineno=${rest%%:*}
  target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"sgdns\/([^/"]+)\/.*/\1/' <<<"${rest#*:}")
  case $file in
    src/main.cc) from=main ;;
    src/*/*) from=${file#src/} && from=${from%%/*} ;;
    include/sgdns/*/*) from=${file#include/sgdns/} && from=${from%%/*} ;;
    *) continue ;;
  esac
  [[ $from == "$target" ]] && continue
  [[ -n ${rank[$from]+set} ]] || continue # reported above
  if [[ -z ${rank[$target]+set} ]]; then
    fail "$file:$lineno: includes sgdns/$target/, which is no module of $layers_file"
  elif ((rank[$target] == rank[$from])); then
    fail "$file:$lineno: $from includes $target: a sideways edge, both on one layer ($order)"
  elif ((rank[$target] > rank[$from])); then
    fail "$file:$lineno: $from includes $target: an upward edge, $target is above $from ($order)"
  fi
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"sgdns/[^/"]+/' src include 2>/dev/null | sort)

# CMake: each module links only lower layers.
if [[ -f CMakeLists.txt ]]; then
  while IFS= read -r hit; do
    lineno=${hit%%:*}
    text=${hit#*:}
    from=$(sed -E 's/^[[:space:]]*sgdns_module\(([a-z_]+).*/\1/' <<<"$text")
    [[ -n ${rank[$from]+set} ]] || {
      fail "CMakeLists.txt:$lineno: sgdns_module($from) is not in $layers_file"
      continue
    }
    for dep in $(grep -oE '\bsgdns_[a-z_]+' <<<"${text#*DEPS}" | sed 's/^sgdns_//'); do
      if [[ -z ${rank[$dep]+set} ]]; then
        fail "CMakeLists.txt:$lineno: $from links sgdns_$dep, which is no module of $layers_file"
      elif ((rank[$dep] >= rank[$from])); then
        fail "CMakeLists.txt:$lineno: $from links sgdns_$dep: $dep is not below $from ($order)"
      fi
    done
  done < <(grep -nE '^[[:space:]]*sgdns_module\(' CMakeLists.txt)
fi

# The architecture document shows the same layers, between its layers markers.
doc=docs/architecture.md
if [[ -f $doc ]]; then
  shown=$(awk '/<!-- layers -->/{on=1; next} /<!-- \/layers -->/{on=0} on' "$doc" | grep -vE '^[[:space:]]*(```|$)' |
    sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' || true)
  expected=$(printf '%s\n' "${layer_lines[@]}" | tac)
  if [[ $shown != "$expected" ]]; then
    fail "$doc: the block between <!-- layers --> and <!-- /layers --> must list $layers_file, top layer first:"
    printf '%s\n' "$expected" | sed 's/^/    /'
  fi
fi

if ((failures)); then
  echo "check_layers: $failures violation(s) of $layers_file"
  exit 1
fi
echo "check_layers: every include and module dependency points down ($order)"
