#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian package from the checkout (what git tracks, and the files it does not ignore, as
# they are in the working tree), in a copy below OUTDIR, and runs lintian on it. Installs what the
# build needs (debian/control's Build-Depends, dpkg-dev, lintian) first. Runs as root on Debian 12.
#
#   tools/build-deb.sh [OUTDIR]      (default: build/deb)
#
# Prints the path of the .deb on its last line. DEB_BUILD_OPTIONS=nocheck leaves out the build's
# meson tests; LINTIAN=0 leaves out lintian.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$TOP/build/deb}")

cd "$TOP"
if ! command -v dpkg-buildpackage >/dev/null || ! command -v lintian >/dev/null ||
        ! dpkg-checkbuilddeps 2>/dev/null; then
        echo "build-deb: installing the build dependencies" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends dpkg-dev lintian >/dev/null
        apt-get build-dep -y -q ./ >/dev/null
fi

version=$(dpkg-parsechangelog -S Version)
src="$OUT/nspawn-oci-$version"
rm -rf "$OUT"
mkdir -p "$src"
# the tree as git sees it, without the build trees and whatever git ignores
git ls-files -z --cached --others --exclude-standard |
        tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$src" -xf -

(cd "$src" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1 || {
        tail -n 40 "$OUT/build.log" >&2
        echo "build-deb: dpkg-buildpackage failed; the log is $OUT/build.log" >&2
        exit 1
}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="$OUT/nspawn-oci_${version}_$arch.deb"
[ -f "$deb" ] || { echo "build-deb: no $deb" >&2; exit 1; }

if [ "${LINTIAN:-1}" != 0 ]; then
        # errors fail the build; warnings and the rest are printed
        lintian --info --display-info --fail-on error "$OUT/nspawn-oci_${version}_$arch.changes" >&2
fi
echo "$deb"
