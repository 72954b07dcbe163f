#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crun (1.8.x, Debian 12) as a reference runtime on a cgroup v1 "hybrid" host: the integration tests
# (RUNTIME=crun), tests/oci-validation/run.sh crun and bench/bench-lifecycle.sh call crun through this
# wrapper where /sys/fs/cgroup/unified has controllers. Runs as root, as crun does.
#
# Works around two host/version issues, each switchable:
#  1. crun refuses hybrid mode when cgroup2 (/sys/fs/cgroup/unified) has any controller
#     ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), also with
#     --cgroup-manager=disabled. With CRUN_HIDE_CGROUP2=1 (default) each crun call runs in a
#     private mount namespace (unshare -m) with /sys/fs/cgroup/unified unmounted, so crun sees
#     plain cgroup v1. Side effect: the container's parent mount namespace is that private one,
#     not the caller's (matters only for tests that share the host mount namespace).
#  2. crun 1.8 accepts only an ociVersion containing "1.0"; the conformance suite (runtime-spec v1.3.0)
#     writes "1.3.0". With CRUN_FIX_OCIVERSION=1 (default) create/run rewrite such a 1.x
#     version in <bundle>/config.json to 1.0.2 (other values, e.g. "invalid", are kept).
#
# env: CRUN (default /usr/bin/crun), CRUN_ARGS (extra global options, e.g.
#      --cgroup-manager=disabled), CRUN_HIDE_CGROUP2 (1/0), CRUN_FIX_OCIVERSION (1/0)
CRUN=${CRUN:-/usr/bin/crun}

if [ "${CRUN_FIX_OCIVERSION:-1}" = 1 ]; then
	cmd="" bundle="" prev=""
	for a in "$@"; do
		case $prev in --bundle | -b) bundle=$a ;; esac
		case $a in
		--bundle=*) bundle=${a#--bundle=} ;;
		create | run) [ -z "$cmd" ] && cmd=$a ;;
		esac
		prev=$a
	done
	if [ -n "$cmd" ]; then
		cfg=${bundle:-.}/config.json
		v=$(grep -o '"ociVersion"[[:space:]]*:[[:space:]]*"[^"]*"' "$cfg" 2>/dev/null | sed 's/.*"\([^"]*\)"$/\1/')
		case $v in
		*1.0*) ;;
		1.[0-9]*) sed -i 's/"ociVersion"[[:space:]]*:[[:space:]]*"[^"]*"/"ociVersion":"1.0.2"/' "$cfg" ;;
		esac
	fi
fi

if [ "${CRUN_HIDE_CGROUP2:-1}" = 1 ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	# With cgroup2 hidden, crun (legacy mode) also mkdir()s <cgroup path> as a plain directory
	# (plus a cgroup.procs file) in the tmpfs underneath /sys/fs/cgroup/unified. Remove those
	# after `delete`, after a failed `create`, and after a foreground `run`: only the
	# container's own id and the suite's fixed cgrouptest/testdir paths.
	op="" id="" detach=0
	for a in "$@"; do
		case $a in
		create | run | delete) [ -z "$op" ] && op=$a ;;
		-d | --detach) detach=1 ;;
		esac
		id=$a
	done
	case $op in create | run | delete) ;; *) id="" ;; esac
	# shellcheck disable=SC2086
	exec unshare -m --propagation private sh -c '
		umount /sys/fs/cgroup/unified 2>/dev/null || umount -l /sys/fs/cgroup/unified
		op=$1 id=$2 detach=$3; shift 3
		"$@"; rc=$?
		if [ -n "$id" ] && { [ "$op" = delete ] || [ $rc -ne 0 ] || { [ "$op" = run ] && [ "$detach" = 0 ]; }; }; then
			u=/sys/fs/cgroup/unified
			for d in "$u/$id" "$u/cgrouptest" "$u/testdir/cgrouptest/container" "$u/testdir/cgrouptest" "$u/testdir"; do
				case $d in */../* | */..) continue ;; esac
				# plain tmpfs dir (not a cgroup) holding a cgroup.procs file crun wrote; unless
				# deleting, keep it while its pid runs (failed create of a duplicate id)
				if [ -d "$d" ] && [ "$(stat -f -c %T "$d")" = tmpfs ]; then
					if [ "$op" != delete ]; then
						pid=$(head -n 1 "$d/cgroup.procs" 2>/dev/null)
						st=$(ps -o stat= -p "${pid:-0}" 2>/dev/null)
						[ -n "$st" ] && [ "${st#Z}" = "$st" ] && continue
					fi
					rm -f "$d/cgroup.procs"
					rmdir "$d" 2>/dev/null
				fi
			done
		fi
		exit $rc' sh "$op" "$id" "$detach" "$CRUN" ${CRUN_ARGS:-} "$@"
fi
# shellcheck disable=SC2086
exec "$CRUN" ${CRUN_ARGS:-} "$@"
