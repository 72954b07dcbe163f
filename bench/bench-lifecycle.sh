#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Times the container lifecycle of one or more runtimes: `run` of a process that exits at once, and
# create + start + delete, N times each, on the integration tests' busybox bundle. Runs as root.
#
#   bench/bench-lifecycle.sh [-n N] [RUNTIME...]     default: the build tree's nspawn-oci, runc
#
# Prints per runtime and operation the median and the mean in milliseconds. Scratch files live in
# the build tree and are removed at the end.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NSPAWN_OCI_BUILD_DIR:-$TOP/build}
N=20
if [ "${1:-}" = -n ]; then N=$2; shift 2; fi
[ $# -gt 0 ] || set -- "$BUILD/nspawn-oci" runc

WORK=$(mktemp -d "$BUILD/bench.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT
PYTHONDONTWRITEBYTECODE=1 NSPAWN_OCI_BUILD_DIR=$BUILD PYTHONPATH=$TOP/tests/integration /usr/bin/python3 -c '
import sys
from bundle import Bundle
Bundle(sys.argv[1], args=["exit", "0"])
' "$WORK/bundle"

ms() { date +%s%N; }
stats() { sort -n | awk '{a[NR] = $1; s += $1} END {printf "median %7.1f ms  mean %7.1f ms  (n=%d)\n", a[int((NR + 1) / 2)], s / NR, NR}'; }

for rt in "$@"; do
	name=$(basename "$rt")
	if [ "$rt" = crun ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
		for c in "${NSPAWN_OCI_SHARED:-}" "$TOP/../shared" "$TOP/../../shared"; do
			[ -n "$c" ] && [ -x "$c/oci-validation/crun-wrapper.sh" ] && rt=$c/oci-validation/crun-wrapper.sh && break
		done
	fi
	state=$WORK/state-$name
	R=("$rt" --root "$state")
	: >"$WORK/run" && : >"$WORK/cycle"
	for i in $(seq "$N"); do
		id=bench-$$-$i
		t0=$(ms)
		"${R[@]}" run --bundle "$WORK/bundle" "$id" </dev/null >/dev/null 2>&1 || { echo "$name: run failed" >&2; break; }
		t1=$(ms)
		echo $(((t1 - t0) / 1000)) | awk '{print $1 / 1000}' >>"$WORK/run"
		"${R[@]}" delete --force "$id" >/dev/null 2>&1 || true
		t0=$(ms)
		"${R[@]}" create --bundle "$WORK/bundle" "$id-c" </dev/null >/dev/null 2>&1 || { echo "$name: create failed" >&2; break; }
		"${R[@]}" start "$id-c" >/dev/null 2>&1
		for _ in $(seq 200); do
			"${R[@]}" state "$id-c" 2>/dev/null | grep -q '"stopped"' && break
			sleep 0.01
		done
		"${R[@]}" delete "$id-c" >/dev/null 2>&1
		t1=$(ms)
		echo $(((t1 - t0) / 1000)) | awk '{print $1 / 1000}' >>"$WORK/cycle"
	done
	[ -s "$WORK/run" ] && printf '%-12s run                     %s\n' "$name" "$(stats <"$WORK/run")"
	[ -s "$WORK/cycle" ] && printf '%-12s create+start+delete     %s\n' "$name" "$(stats <"$WORK/cycle")"
done
