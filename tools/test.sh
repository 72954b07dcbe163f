#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Everything in one run: installs the packages, builds, runs the unit and golden tests (meson), the
# integration tests on the bare machine and inside a booted systemd (tools/testbed.py where systemd is
# not PID 1), optionally the OCI conformance suite, and checks that nothing was left behind. Runs as
# root. The last line is "N passed, M failed"; the exit status is non-zero if anything failed.
#
# env: RUNTIME              the runtime under test (default: the build tree's nspawn-oci; "runc", "crun")
#      NSPAWN_OCI_BUILD_DIR the build tree (default: build/)
#      OCI_VALIDATION=1     also run the OCI conformance suite against RUNTIME (several minutes;
#                           reported on its own line, not counted: even runc fails half of it here);
#                           OCI_VALIDATION_SRC names its source (tests/oci-validation/run.sh)
#      NSPAWN_OCI_VM        the tests in a virtual machine that is a pure cgroup v2 host with systemd as
#                           PID 1 (tools/vm.py; the first run builds its image): "subset" (the default:
#                           cgroups, devices, lifecycle, verbs, pause/resume, update, events, podman),
#                           "all" (every integration test), "0" (none)
#      PYTEST_ARGS          extra pytest arguments for every integration run (e.g. "-k lifecycle")
#
# With the build tree's nspawn-oci it also builds the Debian package (tools/build-deb.sh, into
# build/deb) and hands it to the integration tests as NSPAWN_OCI_DEB.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
BUILD=${NSPAWN_OCI_BUILD_DIR:-$TOP/build}
export NSPAWN_OCI_BUILD_DIR=$BUILD
export RUNTIME=${RUNTIME:-$BUILD/nspawn-oci}
export NSPAWN_OCI_TEST_TAG=${NSPAWN_OCI_TEST_TAG:-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
export PYTHONDONTWRITEBYTECODE=1
PYTEST=/usr/bin/pytest-3
PY=/usr/bin/python3
T_START=$(date +%s)

passed=0 failed=0
timings=()
notes=()
skipfile=$(mktemp)
trap 'rm -f "$skipfile"' EXIT

say() { echo "test.sh: $*" >&2; }
now() { date +%s; }
took() { timings+=("$(printf '%-26s %4ss' "$1" "$(($(now) - $2))")"); }
finish() {
	echo
	echo "== timings"
	printf '  %s\n' "${timings[@]}"
	printf '  %-26s %4ss\n' total "$(($(now) - T_START))"
	for n in "${notes[@]}"; do echo "note: $n"; done
	if [ -s "$skipfile" ]; then
		echo "skipped: $(awk -F'\t' '{n += $1} END {print n}' "$skipfile") test(s):"
		awk -F'\t' '{c[$2] += $1} END {for (r in c) printf "  %3d  %s\n", c[r], r}' "$skipfile" | sort -rn
	else
		echo "skipped: 0"
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# ---- packages and build ------------------------------------------------------------------------
t=$(now)
if ! tools/install-deps.sh; then
	say "installing packages failed"
	failed=$((failed + 1))
	finish
fi
took "install-deps" "$t"

t=$(now)
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" >/dev/null || { say "meson setup failed"; failed=$((failed + 1)); finish; }
fi
if ! ninja -C "$BUILD" >"$BUILD/ninja.log" 2>&1; then
	tail -30 "$BUILD/ninja.log" >&2
	say "build failed"
	failed=$((failed + 1))
	finish
fi
took "build" "$t"

LOGS=$BUILD/test-results
rm -rf "$LOGS"
mkdir -p "$LOGS"
tools/check-leftovers.sh snapshot "$LOGS/leftovers-before"
say "runtime under test: $RUNTIME; run tag: $NSPAWN_OCI_TEST_TAG; results in $LOGS"

# ---- unit and golden tests (meson) --------------------------------------------------------------
t=$(now)
meson test -C "$BUILD" --print-errorlogs 2>&1 | tee "$LOGS/meson-test.log"
counts=$(awk '
	/^Ok:/ {ok += $2} /^Expected Fail:/ {ok += $3} /^Fail:/ {f += $2} /^Unexpected Pass:/ {f += $3}
	/^Timeout:/ {f += $2} /^Skipped:/ {s += $2}
	END {print ok + 0, f + 0, s + 0}' "$LOGS/meson-test.log")
read -r m_ok m_fail m_skip <<<"$counts"
if grep -q '^No tests defined' "$LOGS/meson-test.log"; then
	notes+=("meson: no unit or golden tests are defined yet")
elif [ $((m_ok + m_fail + m_skip)) -eq 0 ]; then
	say "meson test printed no summary"
	m_fail=1
fi
passed=$((passed + m_ok))
failed=$((failed + m_fail))
[ "$m_skip" -gt 0 ] && printf '%s\tmeson: skipped unit tests\n' "$m_skip" >>"$skipfile"
took "meson test" "$t"

# ---- the same unit tests under ASan and UBSan ------------------------------------------------
t=$(now)
NSPAWN_OCI_ASAN_BUILD_DIR=${NSPAWN_OCI_ASAN_BUILD_DIR:-$TOP/build-asan} tools/test-sanitizers.sh \
	>"$LOGS/sanitizers.log" 2>&1
rc=$?
line=$(grep '^sanitizers (' "$LOGS/sanitizers.log" | tail -n 1)
echo "${line:-sanitizers: no summary (exit $rc)}"
if [ -z "$line" ]; then
	tail -n 30 "$LOGS/sanitizers.log"
	failed=$((failed + 1))
else
	s_ok=$(sed -n 's/.*Ok: \([0-9]*\).*/\1/p' <<<"$line")
	s_fail=$(sed -n 's/.*[^d] Fail: \([0-9]*\).*/\1/p' <<<"$line")
	s_to=$(sed -n 's/.*Timeout: \([0-9]*\).*/\1/p' <<<"$line")
	passed=$((passed + ${s_ok:-0}))
	failed=$((failed + ${s_fail:-0} + ${s_to:-0}))
	if [ "$rc" -ne 0 ] && [ $((${s_fail:-0} + ${s_to:-0})) -eq 0 ]; then
		failed=$((failed + 1))
	fi
	[ "$rc" -ne 0 ] && grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT)' "$LOGS/sanitizers.log"
fi
took "meson test (sanitizers)" "$t"

# ---- the Debian package -------------------------------------------------------------------------
# Built once per run for test_deb.py, which installs it inside the booted systemd's throwaway overlay
# (its build's own meson tests are the ones above: nocheck). lintian's errors fail it.
if [ "$(basename "$RUNTIME")" = nspawn-oci ]; then
	t=$(now)
	if deb=$(DEB_BUILD_OPTIONS=nocheck tools/build-deb.sh "$BUILD/deb" 2>"$LOGS/build-deb.log" | tail -n 1) &&
		[ -f "$deb" ]; then
		say "Debian package: $deb (lintian: $LOGS/build-deb.log)"
		export NSPAWN_OCI_DEB=$deb
		passed=$((passed + 1))
	else
		tail -n 30 "$LOGS/build-deb.log" >&2
		say "building the Debian package failed (log: $LOGS/build-deb.log)"
		failed=$((failed + 1))
	fi
	took "debian package" "$t"
fi

# ---- integration tests --------------------------------------------------------------------------
# Adds the counts of one pytest run (from its JUnit XML) and its skip reasons.
count_pytest() { # NAME RC XML
	local name=$1 rc=$2 xml=$3 out
	if [ "$rc" -eq 5 ]; then
		say "$name: pytest collected no tests"
		failed=$((failed + 1))
		return
	fi
	if [ ! -s "$xml" ]; then
		say "$name: no results (pytest exit $rc)"
		failed=$((failed + 1))
		return
	fi
	out=$("$PY" - "$xml" "$name" "$skipfile" <<-'EOF'
		import sys, xml.etree.ElementTree as ET
		from collections import Counter
		xml, name, skipfile = sys.argv[1:]
		p = f = 0
		skips = Counter()
		for tc in ET.parse(xml).iter("testcase"):
		    kids = {c.tag: c for c in tc}
		    if "failure" in kids or "error" in kids:
		        f += 1
		    elif "skipped" in kids:
		        msg = kids["skipped"].get("message", "") or kids["skipped"].get("type", "")
		        skips[f"{name}: {msg.strip()}"] += 1
		    else:
		        p += 1
		with open(skipfile, "a") as fh:
		    for r, n in skips.items():
		        fh.write(f"{n}\t{r}\n")
		print(p, f)
	EOF
	)
	read -r p f <<<"$out"
	say "$name: $p passed, $f failed (pytest exit $rc)"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
		say "$name: pytest exited $rc without a failing test"
		failed=$((failed + 1))
	fi
}

# The integration tests in the cgroup v2 virtual machine (NSPAWN_OCI_VM): by default the subset that a
# pure cgroup v2 host changes (cgroups and their limits, devices, lifecycle and PID 1, the verbs:
# pause/resume, kill --all, update, events with OOM, and podman with its systemd cgroup manager); "all"
# runs every test. A known failure there would be named in VM_KNOWN_FAILURES (pytest node ids, from
# tests/integration) and left out, with a note at the end of the run; there is none.
case ${NSPAWN_OCI_VM:-subset} in
	all) VM_TESTS=(tests/integration) ;;
	0 | no) VM_TESTS=() ;;
	*) VM_TESTS=(tests/integration/test_cgroup2.py tests/integration/test_devices.py
	             tests/integration/test_lifecycle.py tests/integration/test_pid1.py
	             tests/integration/test_verbs.py tests/integration/test_hostile.py
	             tests/integration/test_systemd.py tests/integration/test_podman.py
	             tests/integration/test_podman_options.py) ;;
esac
VM_KNOWN_FAILURES=()
# shellcheck disable=SC2086,SC2206
PYARGS=(-c tests/integration/pytest.ini -q -rfEsx ${PYTEST_ARGS:-})
if [ "$(cat /proc/1/comm)" = systemd ]; then
	t=$(now)
	timeout 600 "$PYTEST" tests/integration "${PYARGS[@]}" --junitxml="$LOGS/pytest-systemd.xml" </dev/null
	count_pytest "integration (systemd)" $? "$LOGS/pytest-systemd.xml"
	took "integration (systemd)" "$t"
else
	t=$(now)
	timeout 600 "$PYTEST" tests/integration "${PYARGS[@]}" --junitxml="$LOGS/pytest-bare.xml" </dev/null
	count_pytest "integration (bare)" $? "$LOGS/pytest-bare.xml"
	took "integration (bare)" "$t"

	t=$(now)
	timeout 600 tools/testbed.py run --bind "$LOGS" \
		--setenv "RUNTIME=$RUNTIME" --setenv "NSPAWN_OCI_BUILD_DIR=$BUILD" \
		--setenv "NSPAWN_OCI_TEST_TAG=$NSPAWN_OCI_TEST_TAG" --setenv "PYTHONDONTWRITEBYTECODE=1" \
		--setenv "NSPAWN_OCI_TEST_DIR=/var/lib/nspawn-oci-tests" \
		--setenv "NSPAWN_OCI_DEB=${NSPAWN_OCI_DEB:-}" \
		-- "$PYTEST" tests/integration "${PYARGS[@]}" --junitxml="$LOGS/pytest-systemd.xml" </dev/null
	count_pytest "integration (systemd)" $? "$LOGS/pytest-systemd.xml"
	took "integration (systemd, booted)" "$t"
fi

# ---- integration tests on a pure cgroup v2 host with systemd as PID 1 -----------------------------
# A Debian 12 virtual machine under qemu's emulation (tools/vm.py): its image is built once and
# cached; each run boots it afresh.
if [ "${#VM_TESTS[@]}" -gt 0 ]; then
	t=$(now)
	timeout 1500 tools/vm.py run --timeout 1200 --bind "$LOGS" --log "$LOGS/vm-console.log" \
		--setenv "RUNTIME=$RUNTIME" --setenv "NSPAWN_OCI_BUILD_DIR=$BUILD" \
		--setenv "NSPAWN_OCI_TEST_TAG=$NSPAWN_OCI_TEST_TAG" --setenv "PYTHONDONTWRITEBYTECODE=1" \
		--setenv "NSPAWN_OCI_TEST_DIR=/var/lib/nspawn-oci-tests" \
		-- "$PYTEST" "${VM_TESTS[@]}" "${PYARGS[@]}" "${VM_KNOWN_FAILURES[@]/#/--deselect=}" \
		--junitxml="$LOGS/pytest-vm.xml" </dev/null
	count_pytest "integration (cgroup v2 VM)" $? "$LOGS/pytest-vm.xml"
	took "integration (cgroup v2 VM)" "$t"
	[ "${#VM_KNOWN_FAILURES[@]}" -gt 0 ] &&
		notes+=("cgroup v2 VM: ${#VM_KNOWN_FAILURES[@]} known failure(s) left out: ${VM_KNOWN_FAILURES[*]}")
else
	notes+=("cgroup v2 VM not run (NSPAWN_OCI_VM=0; \"subset\" or \"all\" runs it; tools/vm.py)")
fi

# ---- OCI conformance suite (opt-in) -------------------------------------------------------------
if [ "${OCI_VALIDATION:-0}" = 1 ]; then
	t=$(now)
	if tests/oci-validation/run.sh "$RUNTIME" | tee "$LOGS/oci-validation.txt"; then
		notes+=("$(tail -n 1 "$LOGS/oci-validation.txt") (not counted below)")
	else
		say "the OCI conformance suite could not run"
		failed=$((failed + 1))
	fi
	took "oci-validation" "$t"
else
	notes+=("OCI conformance suite not run (OCI_VALIDATION=1 runs it; tests/oci-validation/run.sh)")
fi

# ---- nothing left behind ------------------------------------------------------------------------
t=$(now)
if tools/check-leftovers.sh check "$LOGS/leftovers-before" "$NSPAWN_OCI_TEST_TAG" | tee "$LOGS/leftovers.txt"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
took "check-leftovers" "$t"

finish
