#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/shim-rss.sh: the memory of the per-container supervisor of a running
# container (`sleep 300`, no network) for berth (berth-shim), podman (conmon)
# and docker (containerd-shim-runc-v2, from a private dockerd): VmRSS and the
# proportional set size (Pss, shared pages divided among their users) side by
# side. The supervisor is found as the parent of the container's first process.
# Target (issue 4): berth-shim's RSS at most 1 MiB. Not a test.
#
#   BERTH_BUILD   build directory (default: build)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-build}
case "$BERTH_BUILD" in
/*) ;;
*) BERTH_BUILD=$here/$BERTH_BUILD ;;
esac
# shellcheck source=tests/system/lib-images.bash disable=SC1091
. "$here/tests/system/lib-images.bash"
[ -x "$BERTH" ] || { echo "shim-rss.sh: $BERTH not built (ninja -C $BERTH_BUILD)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "shim-rss.sh: needs /bin/busybox (busybox-static)" >&2; exit 1; }

work=$(mktemp -d /tmp/bsr.XXXXXX) # short: dockerd's sockets live under it
dk=$work/dk
export BERTH_ROOT=$work/berth/root BERTH_RUNROOT=$work/berth/run
podman_args=(--root "$work/podman/root" --runroot "$work/podman/run" --cgroup-manager cgroupfs)
cleanup() {
        set +e
        "$BERTH" rm -f rss >/dev/null 2>&1
        if [ -f "$dk/dockerd.pid" ]; then
                docker rm -f rss >/dev/null 2>&1
                dockerd_stop "$dk"
        fi
        if command -v podman >/dev/null; then
                podman "${podman_args[@]}" rm -f rss >/dev/null 2>&1
                podman "${podman_args[@]}" system reset -f >/dev/null 2>&1
        fi
        grep -F " $work/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null
        done
        rm -rf "$work"
}
trap cleanup EXIT

r=$work/rootfs
busybox_rootfs "$r"
rootfs_tar "$r" "$work/busybox.tar"

# report TOOL PID: the supervisor (parent of PID): its name, VmRSS and Pss in KiB.
report() {
        local tool=$1 pid=$2 shim rss pss
        shim=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$shim/status")
        pss=$(awk '/^Pss:/ {print $2}' "/proc/$shim/smaps_rollup")
        printf '%-8s %-24s pid %-8s VmRSS %6s KiB   Pss %6s KiB\n' "$tool" "$(cat "/proc/$shim/comm")" "$shim" \
                "$rss" "$pss"
        [ "$tool" != berth ] || BERTH_RSS=$rss
}

"$BERTH" import "$work/busybox.tar" busybox:latest >/dev/null
"$BERTH" run -d --name rss --network none busybox sleep 300 >/dev/null
report berth "$("$BERTH" inspect -f '{{.State.Pid}}' rss)"

if command -v podman >/dev/null; then
        podman "${podman_args[@]}" import "$work/busybox.tar" busybox:latest >/dev/null 2>&1
        podman "${podman_args[@]}" run -d --name rss --network none --ulimit nofile=20000:20000 \
                --ulimit nproc=32768:32768 busybox sleep 300 >/dev/null
        report podman "$(podman "${podman_args[@]}" inspect -f '{{.State.Pid}}' rss)"
else
        echo "podman   (skipped: not installed)"
fi

if dockerd_start "$dk" 2>"$work/dockerd.err"; then
        docker import "$work/busybox.tar" busybox:latest >/dev/null
        docker run -d --name rss --network none busybox sleep 300 >/dev/null
        report docker "$(docker inspect -f '{{.State.Pid}}' rss)"
else
        echo "docker   (skipped: $(head -c 200 "$work/dockerd.err"))"
fi

awk -v r="$BERTH_RSS" 'BEGIN { printf "target: berth-shim VmRSS <= 1024 KiB: %d KiB, %s\n", r, (r <= 1024 ? "met" : "NOT met") }'
