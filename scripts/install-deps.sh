#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Install everything needed to build and test berth on a fresh Debian 12 machine.
# Idempotent and quiet: one line per phase. Needs root (or sudo).
set -eu

SUDO=
if [ "$(id -u)" -ne 0 ]; then
        SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive

BUILD_PKGS="meson ninja-build pkg-config gcc clang libc6-dev libjansson-dev libseccomp-dev libcap-dev
        libclang-rt-14-dev libarchive-dev libssl-dev zlib1g-dev libzstd-dev libisal-dev libcurl4-openssl-dev
        libmnl-dev libnftables-dev python3"
TEST_PKGS="bats busybox-static jq util-linux iproute2 procps debootstrap hyperfine coreutils xz-utils zstd
        bzip2 python3 nftables iptables curl"
PEER_PKGS="crun runc podman docker.io skopeo umoci"

missing() {
        local p out=""
        for p in "$@"; do
                dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
                        || out="$out $p"
        done
        echo "$out"
}

# shellcheck disable=SC2086
todo=$(missing $BUILD_PKGS $TEST_PKGS $PEER_PKGS)
if [ -z "$todo" ]; then
        echo "install-deps: all packages already installed"
        exit 0
fi

echo "install-deps: apt-get update"
$SUDO apt-get update -qq >/dev/null

for phase in BUILD TEST PEER; do
        eval "pkgs=\$${phase}_PKGS"
        # shellcheck disable=SC2086,SC2154
        todo=$(missing $pkgs)
        if [ -z "$todo" ]; then
                echo "install-deps: ${phase,,} packages: already installed"
                continue
        fi
        echo "install-deps: ${phase,,} packages:$todo"
        # Peers (podman, docker) need their recommended helpers (slirp4netns, catatonit, ...).
        recommends=--no-install-recommends
        [ "$phase" = PEER ] && recommends=
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -qq $recommends $todo >/dev/null
done
echo "install-deps: done"
