#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The long soak: 500 create/start/delete cycles in a row and 10 rounds of 20 at once, with podman's
# default config, on the bare machine and in the booted systemd (tools/testbed.py where systemd is not
# PID 1), for nspawn-oci and runc. Prints the figures; fails if anything was left behind or a runtime
# call left an fd open (tests/integration/test_soak.py). Runs as root; builds nothing: run
# tools/test.sh or ninja first.
#
# env: NSPAWN_OCI_SOAK_CYCLES (500), NSPAWN_OCI_SOAK_ROUNDS (10), NSPAWN_OCI_SOAK_PARALLEL (20),
#      RUNTIMES ("nspawn-oci runc"), NSPAWN_OCI_BUILD_DIR (build/)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
BUILD=${NSPAWN_OCI_BUILD_DIR:-$TOP/build}
export NSPAWN_OCI_SOAK_CYCLES=${NSPAWN_OCI_SOAK_CYCLES:-500}
export NSPAWN_OCI_SOAK_ROUNDS=${NSPAWN_OCI_SOAK_ROUNDS:-10}
export NSPAWN_OCI_SOAK_PARALLEL=${NSPAWN_OCI_SOAK_PARALLEL:-20}
FIGURES=$(mktemp "$BUILD/soak-figures.XXXXXX")
chmod 644 "$FIGURES"
trap 'rm -f "$FIGURES"' EXIT
rc=0

for rtname in ${RUNTIMES:-nspawn-oci runc}; do
	if [ "$rtname" = nspawn-oci ]; then rt=$BUILD/nspawn-oci; else rt=$rtname; fi
	tag=soak$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
	NSPAWN_OCI_SOAK_MODE="$rtname bare" NSPAWN_OCI_SOAK_FIGURES=$FIGURES RUNTIME=$rt \
		NSPAWN_OCI_BUILD_DIR=$BUILD NSPAWN_OCI_TEST_TAG=$tag \
		/usr/bin/pytest-3 -c tests/integration/pytest.ini tests/integration/test_soak.py -q -p no:cacheprovider \
		</dev/null || rc=1
	if [ "$(cat /proc/1/comm)" != systemd ]; then
		[ "$rtname" = nspawn-oci ] || continue  # runc's systemd figures are not nspawn-oci's business here
		tools/testbed.py run --bind "$(dirname "$FIGURES")" \
			--setenv "RUNTIME=$rt" --setenv "NSPAWN_OCI_BUILD_DIR=$BUILD" --setenv "NSPAWN_OCI_TEST_TAG=${tag}s" \
			--setenv "NSPAWN_OCI_TEST_DIR=/var/lib/nspawn-oci-tests" --setenv "NSPAWN_OCI_SOAK_MODE=$rtname systemd" \
			--setenv "NSPAWN_OCI_SOAK_FIGURES=$FIGURES" --setenv "NSPAWN_OCI_SOAK_CYCLES=$NSPAWN_OCI_SOAK_CYCLES" \
			--setenv "NSPAWN_OCI_SOAK_ROUNDS=$NSPAWN_OCI_SOAK_ROUNDS" \
			--setenv "NSPAWN_OCI_SOAK_PARALLEL=$NSPAWN_OCI_SOAK_PARALLEL" \
			-- /usr/bin/pytest-3 tests/integration/test_soak.py -c tests/integration/pytest.ini -q </dev/null || rc=1
	fi
done

echo
echo "== soak figures ($NSPAWN_OCI_SOAK_CYCLES in a row, $NSPAWN_OCI_SOAK_ROUNDS rounds of $NSPAWN_OCI_SOAK_PARALLEL at once)"
cat "$FIGURES"
[ "$rc" -eq 0 ] && echo "nothing left behind, no fd left open" || echo "soak: FAILED (see above)"
exit "$rc"
