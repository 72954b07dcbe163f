#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Finds what a test run left behind on the machine. Runs as root on the host.
#
#   check-leftovers.sh snapshot FILE      record the machine's state before a run
#   check-leftovers.sh check FILE TAG     compare with it; print every leftover; exit 1 if any
#
# TAG is the run's tag (NSPAWN_OCI_TEST_TAG): the tests put it in every container id, cgroup and
# directory they create. What carries the tag, lies in the build tree's scratch places or in the
# fixed places the tests use, is this run's and fails the check. Anything else that appeared
# meanwhile (another user of the machine) is shown as a note only.
set -uo pipefail

die() { echo "check-leftovers: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: $0 snapshot FILE | check FILE TAG"
MODE=$1 FILE=$2 TAG=${3:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NSPAWN_OCI_BUILD_DIR:-$TOP/build}
# what podman writes outside the private storage the tests give it, unless told otherwise
PODMAN_PATHS=(/var/lib/containers /run/containers /run/libpod /dev/shm/libpod_lock /etc/cni/net.d/cni.lock
	"${HOME:-/root}"/.config/containers "${HOME:-/root}"/.local/share/containers)
# what containerd and its shims write outside the private root, state and sockets the tests give them:
# its defaults, and the shims' socket directory (always /run/containerd/s in containerd 1.6)
CONTAINERD_PATHS=(/run/containerd /var/lib/containerd /run/containerd-shim* /tmp/containerd*)
# systemd-nspawn's sub-cgroups of the cgroup it starts in, in the root of a hierarchy
NSPAWN_ROOT_CGROUP='^cgroup (/sys/fs/cgroup(/[^/]+)?/(payload|supervisor))(/|$)'

# One line per thing: "<kind> <name>"
state() {
	awk '{print "mount", $5}' /proc/self/mountinfo
	find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d 2>/dev/null | sed 's/^/cgroup /'
	ip netns list 2>/dev/null | awk '{print "netns", $1}'
	local p c r
	for p in /proc/[0-9]*; do
		c=$(cat "$p/comm" 2>/dev/null) || continue
		r=$(readlink "$p/root" 2>/dev/null)
		# the runtimes' own processes, and any process in a cgroup named after one of our containers
		case $c in
		systemd-nspawn | conmon | nspawn-oci* | runc* | crun* | probe | containerd* | ctr) ;;
		*)
			[ -n "$TAG" ] && grep -q -- "$TAG" "$p/cgroup" 2>/dev/null || continue
			r="$r cgroup=$(grep -m1 -- "$TAG" "$p/cgroup")"
			;;
		esac
		# zombies wait for a parent that may be slow to reap; they hold nothing
		grep -q '^State:.*Z' "$p/status" 2>/dev/null && continue
		echo "process ${p#/proc/} $c $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-300) root=$r"
	done
	ls -d /run/nspawn-oci/* /run/systemd/transient/* /run/noci-* /var/lib/nspawn-oci-tests \
		"${PODMAN_PATHS[@]}" "${CONTAINERD_PATHS[@]}" /tmp/oci-validation.* "$BUILD"/itest "$BUILD"/.noci-testbed-* \
		/run/systemd/nspawn/propagate/* /run/systemd/nspawn/locks/* 2>/dev/null |
		sed 's/^/path /'
	if [ -S /run/systemd/private ] || [ "$(cat /proc/1/comm)" = systemd ]; then
		machinectl list --no-legend 2>/dev/null | awk '{print "machine", $1}'
		systemctl list-units --all --no-legend --plain --type=scope,service 2>/dev/null | awk '{print "unit", $1}'
	fi
}

case $MODE in
snapshot)
	state | sort -u >"$FILE"
	exit 0
	;;
check) ;;
*) die "unknown mode $MODE" ;;
esac

[ -f "$FILE" ] || die "no snapshot $FILE"
[ -n "$TAG" ] || die "check needs the run's tag"
now=$(mktemp)
trap 'rm -f "$now"' EXIT
state | sort -u >"$now"

bad=0
while IFS= read -r line; do
	ours=0
	case $line in
	# (*noci-* takes the testbed's "$BUILD"/.noci-testbed too)
	*"$TAG"* | *noci-* | *nspawn-oci-tests* | *"$BUILD"/itest*) ours=1 ;;
	esac
	for p in "${PODMAN_PATHS[@]}" "${CONTAINERD_PATHS[@]}"; do [ "$line" = "path $p" ] && ours=1; done
	# a root-level payload or supervisor cgroup: an nspawn that did not start in a cgroup of its own
	# left it; one that still holds processes belongs to an nspawn that is running
	if [[ $line =~ $NSPAWN_ROOT_CGROUP ]]; then
		find "${BASH_REMATCH[1]}" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q . || ours=1
	fi
	# the conformance suite's scratch dir is ours when this run ran the suite
	case $line in "path /tmp/oci-validation."*) [ "${OCI_VALIDATION:-0}" = 1 ] && ours=1 ;; esac
	case $line in
	process*) case $line in *"$BUILD"* | *nspawn-oci-tests*) ours=1 ;; esac ;;
	netns*) ours=1 ;;
	esac
	if [ $ours = 1 ]; then
		echo "check-leftovers: LEFT BEHIND: $line"
		bad=1
	else
		echo "check-leftovers: note (not this run's): $line"
	fi
done < <(comm -13 "$FILE" "$now")
[ $bad = 0 ] && echo "check-leftovers: nothing left behind"
exit $bad
