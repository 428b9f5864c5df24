#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the Debian package from the working tree (debian/, debhelper) and check it with lintian.
#
#   scripts/package.sh          -> build-deb/sgdns_<version>_<arch>.deb, .changes, the native source
#                                  package and build-deb/lintian.txt (every tag lintian reported)
#
# The tree is copied to build-deb/sgdns-<version>/ first: dpkg-buildpackage builds in the source tree and
# writes its results beside it, and neither belongs in the checkout. The copy has no .git, so the commit
# that --version reports is passed in (SGDNS_COMMIT, read by debian/rules). Exits non-zero when the build
# fails or lintian reports an error; warnings are listed (scripts/test.sh prints them).
# Environment: SGDNS_JOBS (build parallelism, default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/deps.sh
need_test_deps

version=$(dpkg-parsechangelog -S Version)
project=$(sed -n 's/^project(sgdns VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [[ $version != "$project" ]]; then
  echo "package: debian/changelog says $version, CMakeLists.txt says $project: add a changelog entry" >&2
  exit 1
fi

out=build-deb
src=$out/sgdns-$version
rm -rf "$out"
mkdir -p "$src"
# Every file git would commit (tracked or new, not ignored) as it is now in the working tree.
git ls-files -z --cached --others --exclude-standard |
  tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"

commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
# debhelper runs the build with HOME set to a scratch folder, which would hide ccache's cache: name it.
if command -v ccache >/dev/null; then
  CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)}
  export CCACHE_DIR CCACHE_BASEDIR=$PWD/$src CCACHE_NOHASHDIR=1
fi
echo "package: building sgdns $version (commit $commit) in $src"
(
  cd "$src"
  SGDNS_COMMIT=$commit DEB_BUILD_OPTIONS="parallel=${SGDNS_JOBS:-2}" dpkg-buildpackage -us -uc
)

changes=$(ls "$out"/sgdns_"$version"_*.changes)
echo "package: lintian $changes"
rc=0
lintian --fail-on error --display-level '>=info' --tag-display-limit 0 "$changes" >"$out/lintian.txt" 2>&1 || rc=$?
cat "$out/lintian.txt"
errors=$(grep -c '^E: ' "$out/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$out/lintian.txt" || true)
echo "package: lintian: $errors errors, $warnings warnings (full list: $out/lintian.txt)"
ls -l "$out"/*.deb
exit "$rc"
