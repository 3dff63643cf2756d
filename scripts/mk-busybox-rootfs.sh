#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# mk-busybox-rootfs.sh DIR [INIT]
# Make a tiny test rootfs in DIR: /bin/busybox (busybox-static) with its applet
# symlinks, /etc/passwd and /etc/group, the usual empty dirs, and the static
# test payload at /init (INIT, or $BERTH_TEST_INIT, or build/tests/helpers/berth-test-init).
# Idempotent: an up-to-date DIR is left alone (a stamp records the init's checksum).
set -eu

dir=${1:?usage: mk-busybox-rootfs.sh DIR [INIT]}
here=$(cd "$(dirname "$0")/.." && pwd)
init=${2:-${BERTH_TEST_INIT:-$here/${BERTH_BUILD:-build}/tests/helpers/berth-test-init}}
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] || { echo "mk-busybox-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
[ -x "$init" ] || { echo "mk-busybox-rootfs: test init \`$init\` missing (build it first)" >&2; exit 1; }
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked' && ldd "$busybox" >/dev/null 2>&1; then
        echo "mk-busybox-rootfs: $busybox is not static (install busybox-static)" >&2
        exit 1
fi

# Concurrent test runs share the rootfs: build under an exclusive lock (readers
# copy under a shared one, see tests/system/helpers.bash).
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9

stamp="$(cat "$init" "$busybox" | sha256sum | cut -d' ' -f1)"
if [ -f "$dir/.berth-rootfs-stamp" ] && [ "$(cat "$dir/.berth-rootfs-stamp")" = "$stamp" ]; then
        exit 0
fi

tmp="$dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home,var/tmp,run,mnt}
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 700 "$tmp/root"
cp "$busybox" "$tmp/bin/busybox"
for applet in $("$busybox" --list-full); do
        case "$applet" in
        bin/busybox) continue ;;
        esac
        mkdir -p "$tmp/$(dirname "$applet")"
        ln -sf /bin/busybox "$tmp/$applet"
done
install -m 0755 "$init" "$tmp/init"
cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
tester:x:1000:1000:tester:/home/tester:/bin/sh
PASSWD
cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
tty:x:5:
users:x:100:tester
nogroup:x:65534:
tester:x:1000:
GROUP
echo "berth-test" >"$tmp/etc/hostname"
: >"$tmp/etc/resolv.conf"
: >"$tmp/etc/hosts"
echo "$stamp" >"$tmp/.berth-rootfs-stamp"

rm -rf "$dir"
mv "$tmp" "$dir"
