#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# mk-debian-rootfs.sh DIR
# Make a Debian bookworm minbase rootfs in DIR with debootstrap, from the apt
# mirror this machine is configured with (it may be the only reachable host).
# The result is cached as a tarball under $BERTH_CACHE (/var/cache/berth-tests)
# so only the first run pays the ~1 minute; later runs just unpack it.
set -eu

dir=${1:?usage: mk-debian-rootfs.sh DIR}
cache=${BERTH_CACHE:-/var/cache/berth-tests}
tarball=$cache/debian-bookworm-minbase.tar

mirror_from_apt() {
        local f m
        # deb822 sources first (Debian 12 default), then the one-line format.
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] || continue
                m=$(awk '/^URIs:/ {print $2; exit}' "$f")
                if [ -n "$m" ] && grep -q '^Suites:.*bookworm\( \|$\)' "$f" \
                        && ! printf '%s' "$m" | grep -q security; then
                        echo "$m"
                        return
                fi
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -f "$f" ] || continue
                m=$(awk '$1 == "deb" && $0 ~ / bookworm / && $0 !~ /security/ {
                        for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")
                if [ -n "$m" ]; then
                        echo "$m"
                        return
                fi
        done
        echo "http://deb.debian.org/debian"
}

if [ ! -s "$tarball" ]; then
        command -v debootstrap >/dev/null || { echo "mk-debian-rootfs: debootstrap missing" >&2; exit 1; }
        mkdir -p "$cache"
        mirror=${BERTH_DEBIAN_MIRROR:-$(mirror_from_apt)}
        work=$(mktemp -d "$cache/debootstrap.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        echo "mk-debian-rootfs: debootstrap bookworm from $mirror (cached in $tarball)" >&2
        if ! debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1; then
                tail -20 "$work/log" >&2
                echo "mk-debian-rootfs: debootstrap failed" >&2
                exit 1
        fi
        tar -C "$work/root" --numeric-owner -cf "$tarball.tmp" .
        mv "$tarball.tmp" "$tarball"
fi

if [ -f "$dir/.berth-debian-stamp" ]; then
        exit 0
fi
rm -rf "$dir.tmp.$$"
mkdir -p "$dir.tmp.$$"
tar -C "$dir.tmp.$$" --numeric-owner -xf "$tarball"
touch "$dir.tmp.$$/.berth-debian-stamp"
rm -rf "$dir"
mv "$dir.tmp.$$" "$dir"
