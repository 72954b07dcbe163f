#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mmdebstrap's customize hook for the test VM (tools/vm/build-image.sh): puts tools/vm/guest/ into the
# root file system ROOT and makes it a machine that boots quickly on a serial console with no network.
# Runs as root, in mmdebstrap's mount namespace.
#
#   customize.sh ROOT
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
R=${1:?usage: customize.sh ROOT}

cp -dR --preserve=mode "$HERE/guest/." "$R/"
echo nspawn-oci-vm >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost nspawn-oci-vm\n::1\t\tlocalhost\n' >"$R/etc/hosts"
echo '/dev/vda / ext4 rw 0 1' >"$R/etc/fstab"
# Without a machine id each boot would be a first boot (presets, systemd-firstboot on the console).
# One for all boots: each starts from the same image and none talks to another.
tr -d '-' </proc/sys/kernel/random/uuid >"$R/etc/machine-id"

chroot "$R" systemctl enable -q nspawn-oci-vm-io.service nspawn-oci-vm-run.service
# timers and jobs a throwaway machine without network has no use for
chroot "$R" systemctl mask -q apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-firstboot.service \
	systemd-networkd-wait-online.service podman.socket podman.service podman-auto-update.timer \
	podman-auto-update.service podman-restart.service
