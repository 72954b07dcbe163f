#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The OCI runtime conformance suite (runtime-tools validation/) against nspawn-oci and the reference
# runtimes. Builds the suite offline into the build tree once (build.sh), then runs it (run-suite.sh).
# Runs as root.
#
#   OCI_VALIDATION_SRC=PATH tests/oci-validation/run.sh [RUNTIME...]
#                                      default: the build tree's nspawn-oci, then runc
#
# The suite is not part of this repository: OCI_VALIDATION_SRC names an opencontainers/runtime-tools
# source tree, or a .tar.gz of one, that vendors its Go modules (vendor/) and holds its test root file
# system (rootfs-<arch>.tar.gz). It is needed until the suite is built; Debian's golang-go builds it.
# RUNTIME is a path or a name on PATH; "crun" means tools/crun-wrapper.sh on a cgroup v1 hybrid host.
# Prints "<runtime>: N passed, M failed" per runtime; per-test results go to
# OUT/results/<runtime>.tsv (and the TAP logs next to it). Exits non-zero if a runtime could not be run
# (not for failing tests: even runc fails 30 of 58 here, see FAILURES.md).
#
# env: OCI_VALIDATION_SRC   the suite's source (above)
#      NSPAWN_OCI_BUILD_DIR the build tree (default: build/)
#      OCI_VALIDATION_OUT   where the suite is built and results go (default: BUILD/oci-validation)
#      OCI_TESTS, OCI_TEST_TIMEOUT  passed to run-suite.sh (subset, per-test timeout)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${NSPAWN_OCI_BUILD_DIR:-$TOP/build}
OUT=${OCI_VALIDATION_OUT:-$BUILD/oci-validation}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -x "$OUT/suite/runtimetest" ] && [ -f "$OUT/suite/BUILD-INFO" ]; then
	echo "oci-validation: suite already built in $OUT/suite" >&2
else
	SRC=${OCI_VALIDATION_SRC:-}
	if [ -z "$SRC" ]; then
		echo "oci-validation: OCI_VALIDATION_SRC is not set. The conformance suite is not part of this" \
			"repository: set OCI_VALIDATION_SRC to an opencontainers/runtime-tools source tree, or a" \
			".tar.gz of one, with vendor/ and rootfs-<arch>.tar.gz" >&2
		exit 2
	fi
	[ -e "$SRC" ] || { echo "oci-validation: OCI_VALIDATION_SRC=$SRC: no such file or directory" >&2; exit 2; }
	echo "oci-validation: building the suite from $SRC into $OUT/suite (offline)" >&2
	t0=$(date +%s)
	rm -rf "$OUT/src" "$OUT/suite"
	if [ -d "$SRC" ]; then
		SRC=$(cd "$SRC" && pwd)
	else
		mkdir -p "$OUT/src"
		tar -xzf "$SRC" -C "$OUT/src" || { echo "oci-validation: cannot unpack $SRC" >&2; exit 2; }
		SRC=$OUT/src
		# a tarball with one top directory (git archive --prefix, GitHub's archives)
		if [ ! -d "$SRC/validation" ]; then
			top=$(find "$OUT/src" -mindepth 2 -maxdepth 2 -type d -name validation -printf '%h\n' | head -n 1)
			SRC=${top:-$SRC}
		fi
	fi
	# keep Go's caches in the build tree: nothing of the build lands in $HOME
	GOCACHE=$OUT/go-cache GOPATH=$OUT/go-path GOMODCACHE=$OUT/go-path/pkg/mod \
		"$HERE/build.sh" "$SRC" "$OUT/suite" >"$OUT/build.log" 2>&1 ||
		{ tail -20 "$OUT/build.log" >&2; echo "oci-validation: build failed" >&2; exit 2; }
	# the extracted source and the caches are not needed to run it
	chmod -R u+w "$OUT/src" "$OUT/go-path" 2>/dev/null || true
	rm -rf "$OUT/src" "$OUT/go-cache" "$OUT/go-path"
	echo "oci-validation: built in $(($(date +%s) - t0))s" >&2
fi

[ $# -gt 0 ] || set -- "$BUILD/nspawn-oci" runc
mkdir -p "$OUT/results"
summary=()
rc=0
for rt in "$@"; do
	name=$(basename "$rt")
	if [ "$rt" = crun ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
		rt=$TOP/tools/crun-wrapper.sh
	fi
	logs=$OUT/results/$name
	rm -rf "$logs"
	t0=$(date +%s)
	set +e
	OCI_LOG_DIR=$logs "$HERE/run-suite.sh" "$rt" "$OUT/suite" >"$OUT/results/$name.txt" 2>"$OUT/results/$name.stderr"
	st=$?
	set -e
	line=$(tail -n 1 "$OUT/results/$name.txt")
	case $line in
	*" passed, "*" failed") ;;
	*) line="did not run (exit $st): $(tail -n 3 "$OUT/results/$name.stderr" | tr '\n' ' ')"; rc=1 ;;
	esac
	[ -f "$logs/results.tsv" ] && cp "$logs/results.tsv" "$OUT/results/$name.tsv"
	summary+=("$name: $line ($(($(date +%s) - t0))s; per test: $OUT/results/$name.tsv)")
done
printf 'oci-validation %s\n' "${summary[@]}"
exit $rc
