#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The OCI runtime conformance suite (runtime-tools validation/) against nspawn-oci and the reference
# runtimes. Builds the suite offline from the shared copy into the build tree once, then runs it.
# Runs as root.
#
#   tests/oci-validation/run.sh [RUNTIME...]     default: the build tree's nspawn-oci, then runc
#
# RUNTIME is a path or a name on PATH; "crun" means the shared crun wrapper on a cgroup v1 hybrid host.
# Prints "<runtime>: N passed, M failed" per runtime; per-test results go to
# OUT/results/<runtime>.tsv (and the TAP logs next to it). Exits non-zero if a runtime could not be run
# (not for failing tests: even runc fails 30 of 58 here, see the shared README).
#
# env: NSPAWN_OCI_SHARED  the shared folder (default: ../shared next to the checkout)
#      NSPAWN_OCI_BUILD_DIR  the build tree (default: build/)
#      OCI_VALIDATION_OUT   where the suite is built and results go (default: BUILD/oci-validation)
#      OCI_TESTS, OCI_TEST_TIMEOUT  passed to the shared runner (subset, per-test timeout)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${NSPAWN_OCI_BUILD_DIR:-$TOP/build}
if [ -z "${NSPAWN_OCI_SHARED:-}" ]; then
	for c in "$TOP/../shared" "$TOP/../../shared"; do
		[ -d "$c/oci-validation" ] && NSPAWN_OCI_SHARED=$c && break
	done
fi
SHARED=${NSPAWN_OCI_SHARED:-$TOP/../shared}
SUITE_SRC=$SHARED/oci-validation
[ -x "$SUITE_SRC/run.sh" ] || { echo "oci-validation: no suite in $SUITE_SRC (set NSPAWN_OCI_SHARED)" >&2; exit 2; }
OUT=${OCI_VALIDATION_OUT:-$BUILD/oci-validation}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -x "$OUT/suite/runtimetest" ] && [ -f "$OUT/suite/BUILD-INFO" ]; then
	echo "oci-validation: suite already built in $OUT/suite" >&2
else
	echo "oci-validation: building the suite into $OUT/suite (offline)" >&2
	t0=$(date +%s)
	rm -rf "$OUT/src" "$OUT/suite"
	# keep Go's caches in the build tree: nothing of the build lands in $HOME
	GOCACHE=$OUT/go-cache GOPATH=$OUT/go-path GOMODCACHE=$OUT/go-path/pkg/mod \
		"$SUITE_SRC/build-suite.sh" "$OUT" >"$OUT/build.log" 2>&1 ||
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
		rt=$SUITE_SRC/crun-wrapper.sh
	fi
	logs=$OUT/results/$name
	rm -rf "$logs"
	t0=$(date +%s)
	set +e
	OCI_LOG_DIR=$logs "$SUITE_SRC/run.sh" "$rt" "$OUT/suite" >"$OUT/results/$name.txt" 2>"$OUT/results/$name.stderr"
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
