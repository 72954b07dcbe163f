#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the test VM (tools/vm.py): a Debian 12 root file system from the packages listed in
# tools/vm/packages, made with mmdebstrap's unshare mode (its mounts stay in a namespace of its own),
# turned into an ext4 image with mkfs.ext4 -d (no loop device, no mount). Runs as root.
#
#   tools/vm/build-image.sh OUT
#
# writes OUT/root.img, OUT/vmlinuz, OUT/initrd.img and OUT/packages.txt (what got installed).
# Packages come from this machine's Debian sources: /etc/apt/sources.list.d/debian.sources or
# /etc/apt/sources.list, or the file named by NSPAWN_OCI_VM_SOURCES.
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
OUT=${1:?usage: build-image.sh OUT}
ROOT=$OUT/root

sources=${NSPAWN_OCI_VM_SOURCES:-}
if [ -z "$sources" ]; then
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		if [ -s "$f" ] && grep -q '^[^#]' "$f"; then
			sources=$f
			break
		fi
	done
fi
[ -n "$sources" ] || { echo "build-image: no Debian sources on this machine" >&2; exit 1; }

packages=$(sed 's/#.*//' "$HERE/packages" | xargs | tr ' ' ,)

# The sources may be a snapshot whose Release files are past their Valid-Until; a proxy the host's
# apt uses is needed in here too (mmdebstrap's apt does not read the host's configuration).
aptopts=(--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Languages "none"')
for opt in Acquire::http::Proxy Acquire::https::Proxy; do
	v=$(apt-config shell v "$opt" | sed -n "s/^v='\(.*\)'$/\1/p")
	if [ -n "$v" ]; then aptopts+=(--aptopt="$opt \"$v\""); fi
done

# Documentation, translations and the drivers of hardware the VM does not have are a third of the
# size; the kernel's file systems, block, virtio and network modules stay.
excludes=()
set -f # dpkg's patterns, not the host's files
for p in /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* /lib/firmware/* \
	/lib/modules/*/kernel/{sound,net/wireless,net/mac80211,net/bluetooth}/* \
	/lib/modules/*/kernel/drivers/{gpu,media,infiniband,net/wireless,net/ethernet,staging,usb}/* \
	/lib/modules/*/kernel/drivers/{bluetooth,iio,hid,input,isdn,scsi,ata,mmc,video,platform}/* \
	/lib/modules/*/kernel/drivers/{hwmon,thunderbolt,nfc}/*; do
	excludes+=(--dpkgopt="path-exclude=$p")
done
set +f
excludes+=(--dpkgopt='path-include=/usr/share/doc/*/copyright')

rm -rf "$ROOT"
mkdir -p "$OUT"
mmdebstrap --mode=unshare --variant=minbase --include="$packages" "${aptopts[@]}" "${excludes[@]}" \
	--customize-hook="$HERE/customize.sh \"\$1\"" \
	bookworm "$ROOT" "$sources"

cp "$ROOT"/boot/vmlinuz-* "$OUT/vmlinuz"
cp "$ROOT"/boot/initrd.img-* "$OUT/initrd.img"
dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Package} ${Version}\n' >"$OUT/packages.txt"

# room for the tests' bundles and state; the file is sparse, so free space costs nothing on disk
mb=$(($(du -sm "$ROOT" | cut -f1) * 5 / 4 + 2048))
rm -f "$OUT/root.img"
mkfs.ext4 -q -F -L nspawn-oci-vm -d "$ROOT" "$OUT/root.img" "${mb}M"
rm -rf "$ROOT"
