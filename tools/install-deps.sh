#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs every Debian 12 package that building, the demo and the test suite need. Runs as root.
set -eu

PACKAGES="gcc meson ninja-build pkg-config libsystemd-dev libjson-c-dev libseccomp-dev scdoc
          systemd systemd-container dbus busybox-static python3 python3-pytest python3-yaml shellcheck
          runc crun conmon podman catatonit containerd golang-go iproute2 util-linux"

missing=""
for p in $PACKAGES; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
