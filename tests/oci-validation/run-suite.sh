#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the OCI runtime conformance suite (runtime-tools validation/, built by build.sh) against one
# runtime, one test at a time. Called by run.sh; runs as root.
#
# usage: run-suite.sh RUNTIME_BINARY SUITE_DIR
#   RUNTIME_BINARY  path (or name in PATH) of an OCI runtime CLI (runc, crun, a wrapper, ...)
#   SUITE_DIR       the built suite (build.sh's OUT_DIR)
#
# environment:
#   OCI_TEST_TIMEOUT  per-test timeout in seconds (default 120)
#   OCI_LOG_DIR       where TAP/stderr logs go (default /tmp/oci-validation-logs/<runtime>-<timestamp>)
#   OCI_TESTS         space-separated subset of test names to run (default: all validation/*.t)
#   OCI_ISOLATE       1 (default): tests call a wrapper that runs RUNTIME_BINARY --root <private
#                     state dir>, so containers of other users of the runtime (podman, other
#                     scripts using /run/runc) are never seen or touched. 0: call the binary as is.
#   OCI_ROOT_FLAG     global option naming the state dir (default --root; runc, crun, youki, runsc)
#
# stdout: one line per test "PASS|FAIL|TIMEOUT name (ok N/M)", then "N passed, M failed".
#   N = TAP points reported ok (SKIPs count as ok, as in TAP), M = max(plan, points seen).
#   PASS = exit 0, no "not ok", all planned points seen, no detached YAML "error" block.
#   Some tests emit no test points when the runtime behaves: the lifecycle/hook tests print
#   only "1..0" (failure = a detached YAML {"error": ...} block) and the *_fail tests print
#   nothing (failure = exit 1); those show as "PASS name (ok 0/0)".
# logs: <log>/<name>.tap (stdout), <name>.stderr, results.tsv (status, counts, secs, first
#   failure), cleanup.log (containers/mounts/cgroups the runner had to clean up).
# Must run as root. Tests run serially (they share fixed cgroup paths).
# Cleanup after each test only ever deletes containers whose bundle lies in this run's scratch
# dir (checked with `state`), unmounts only mounts under the scratch dir, and at the end only
# rmdir()s (never rm -r) cgroup dirs named cgrouptest/testdir that appeared during the run.
set -uo pipefail

die() { echo "run.sh: $*" >&2; exit 2; }

[ $# -eq 2 ] || die "usage: $0 RUNTIME_BINARY SUITE_DIR"
[ "$(id -u)" = 0 ] || die "must run as root"
RT=$1
if [[ $RT != */* ]]; then RT=$(command -v "$RT") || die "runtime not found: $1"; fi
RT=$(realpath -s "$RT") # absolute, but keep symlinks (argv[0]-based wrappers)
[ -f "$RT" ] && [ -x "$RT" ] || die "runtime not executable: $1"

SUITE=$(cd "$2" 2>/dev/null && pwd) || die "no suite dir: $2 (run build.sh first)"
[ -x "$SUITE/runtimetest" ] && [ -d "$SUITE/validation" ] || die "$SUITE is not a built suite (run build.sh)"
ls "$SUITE"/rootfs-*.tar.gz >/dev/null 2>&1 || die "$SUITE has no rootfs-<arch>.tar.gz"

TIMEOUT=${OCI_TEST_TIMEOUT:-120}
LOG=${OCI_LOG_DIR:-/tmp/oci-validation-logs/$(basename "$RT")-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$LOG" || die "cannot create log dir $LOG"
LOG=$(cd "$LOG" && pwd)
WORK=$(mktemp -d /tmp/oci-validation.XXXXXX)
SCRATCH=$WORK/bundles # TMPDIR of the tests: every bundle is created here
STATE=$WORK/state     # private runtime state dir (OCI_ISOLATE=1)
mkdir -p "$SCRATCH" "$STATE"
chmod 755 "$WORK" "$SCRATCH" # like the default TMPDIR=/tmp (userns tests need traversal)
if [ "${OCI_ISOLATE:-1}" = 1 ]; then
	RTW=$WORK/runtime
	printf '#!/bin/sh\nexec %q %s %q "$@"\n' "$RT" "${OCI_ROOT_FLAG:---root}" "$STATE" >"$RTW"
	chmod 755 "$RTW"
else
	RTW=$RT
fi
: >"$LOG/cleanup.log"
printf 'status\tname\tok\tnot_ok\tskip\tplan\trc\tsecs\tfirst_failure\n' >"$LOG/results.tsv"

if [ -n "${OCI_TESTS:-}" ]; then
	TESTS=($OCI_TESTS)
else
	TESTS=()
	for f in "$SUITE"/validation/*.t; do TESTS+=("$(basename "$f" .t)"); done
fi

# ---- cleanup helpers -------------------------------------------------------
# containers (in the state dir the tests use) whose bundle is one of ours
owned_containers() {
	local id b
	for id in $("$RTW" list -q 2>/dev/null); do
		b=$("$RTW" state "$id" 2>/dev/null | grep -o '"bundle": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/')
		case $b in "$SCRATCH"/* | "$SUITE") echo "$id" ;; esac
	done
}
mounts_under() { awk -v p="$1" '$5 == p || index($5, p "/") == 1 {print $5}' /proc/self/mountinfo; }
cg_testdirs() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d \( -name cgrouptest -o -name testdir \) 2>/dev/null | sort
}
CG_BEFORE=$(cg_testdirs)

cleanup_after_test() { # $1=name
	local name=$1 id m
	for id in $(owned_containers); do
		echo "$name: leftover container $id -> kill, delete -f" >>"$LOG/cleanup.log"
		"$RTW" kill "$id" KILL >/dev/null 2>&1
		"$RTW" delete -f "$id" >>"$LOG/cleanup.log" 2>&1 || "$RTW" delete "$id" >>"$LOG/cleanup.log" 2>&1
	done
	# never rm through a mount: unmount anything left under our dirs first (deepest first)
	for m in $( (mounts_under "$WORK"; mounts_under "$SUITE") | sort -r); do
		echo "$name: leftover mount $m -> umount" >>"$LOG/cleanup.log"
		umount "$m" >>"$LOG/cleanup.log" 2>&1 || umount -l "$m" >>"$LOG/cleanup.log" 2>&1
	done
	if [ -n "$(ls -A "$SCRATCH" 2>/dev/null)" ]; then
		echo "$name: leftover bundle(s): $(ls "$SCRATCH" | tr '\n' ' ')-> removed" >>"$LOG/cleanup.log"
		rm -rf --one-file-system "${SCRATCH:?}"/* 2>>"$LOG/cleanup.log"
	fi
}

final_cleanup() {
	local d
	cleanup_after_test "(end of run)" # containers/mounts of an interrupted test
	# rmdir (never rm -r) cgroup test dirs that did not exist before the run, deepest first;
	# rmdir fails on a cgroup that still has processes or children, so nothing live is lost
	for d in $(comm -13 <(echo "$CG_BEFORE") <(cg_testdirs) | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-); do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		if [ -d "$d" ]; then
			echo "WARNING: could not remove cgroup dir $d" >>"$LOG/cleanup.log"
		else
			echo "removed leftover cgroup dir $d" >>"$LOG/cleanup.log"
		fi
	done
	if [ -z "$(mounts_under "$WORK")" ]; then
		rm -rf --one-file-system "$WORK"
	else
		echo "WARNING: mounts remain under $WORK; not removed" | tee -a "$LOG/cleanup.log" >&2
	fi
}
trap 'final_cleanup' EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM

# first non-empty "error" of YAML blocks not attached to a test point (see below)
yaml_errors() {
	awk '
	in_yaml {
		if ($0 ~ /^  \.\.\.$/) { in_yaml = 0; prev = "yaml"; next }
		if (orphan && !found && $0 ~ /^    "error": "[^"]/) { found = 1; sub(/^ *"error": "/, ""); sub(/\\n.*/, ""); print substr($0, 1, 160) }
		next
	}
	/^(not )?ok($|[^a-z])/ { prev = "point"; next }
	/^  ---$/ { in_yaml = 1; orphan = (prev != "point"); next }
	/^TAP version|^[0-9]+\.\./ { prev = "other" } # other lines: multi-line descriptions' "$1"
}

# ---- run ------------------------------------------------------------------
echo "runtime: $RT (tests call $RTW)  suite: $SUITE  timeout: ${TIMEOUT}s  logs: $LOG" >&2
npass=0 nfail=0
T0=$(date +%s.%N)
cd "$SUITE" || die "cd $SUITE"
for name in "${TESTS[@]}"; do
	bin="$SUITE/validation/$name.t"
	if [ ! -x "$bin" ]; then
		echo "FAIL $name (ok 0/0)"
		printf 'FAIL\t%s\t0\t0\t0\t0\t-\t0\tmissing test binary\n' "$name" >>"$LOG/results.tsv"
		nfail=$((nfail + 1))
		continue
	fi
	t1=$(date +%s.%N)
	# cwd must be the suite dir: tests use ./rootfs-<arch>.tar.gz and ./runtimetest
	TMPDIR=$SCRATCH RUNTIME=$RTW timeout -k 10 "$TIMEOUT" "$bin" </dev/null \
		>"$LOG/$name.tap" 2>"$LOG/$name.stderr"
	rc=$?
	secs=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')
	cleanup_after_test "$name"

	ok=$(grep -c '^ok\b' "$LOG/$name.tap")
	notok=$(grep -c '^not ok\b' "$LOG/$name.tap")
	skip=$(grep -ciE '^ok\b[^#]*#[[:space:]]*skip' "$LOG/$name.tap")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$LOG/$name.tap" | tail -1)
	plan=${plan:-0}
	seen=$((ok + notok))
	total=$((plan > seen ? plan : seen))

	# Lifecycle/hook tests (tap Header(0)+AutoPlan) report a failure only as a YAML block
	# with an "error" key that is not attached to a test point; on success they print
	# just "1..0". YAML *before* a point is normal (RuntimeInsideValidate), so only
	# detached blocks carrying a non-empty "error" count.
	yamlerr=$(yaml_errors "$LOG/$name.tap")

	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		status=TIMEOUT
	elif [ $rc -eq 0 ] && [ $notok -eq 0 ] && [ -z "$yamlerr" ] && [ $ok -ge $plan ]; then
		status=PASS
	else
		status=FAIL
	fi
	reason=""
	if [ $status != PASS ]; then
		reason=$(grep -m1 '^not ok' "$LOG/$name.tap")
		[ -z "$reason" ] && reason=$yamlerr
		[ -z "$reason" ] && reason=$(grep -v '^\s*$' "$LOG/$name.stderr" | tail -n 1)
		[ $status = TIMEOUT ] && reason="timeout after ${TIMEOUT}s; $reason"
		reason=$(echo "$reason" | tr '\t\n' '  ' | cut -c1-200)
	fi
	if [ $status = PASS ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
	echo "$status $name (ok $ok/$total)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n' "$status" "$name" "$ok" "$notok" "$skip" "$plan" "$rc" "$secs" "$reason" >>"$LOG/results.tsv"
done
T1=$(date +%s.%N)
awk -v a="$T0" -v b="$T1" 'BEGIN{printf "wall time: %.1fs\n", b-a}' | tee "$LOG/walltime" >&2
echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]
