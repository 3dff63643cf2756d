#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh [N]: the wall time of running a container that runs `true` and
# removing it, median of N runs (default 30, or $N), no network for any of them:
#   berth    berth run --rm --network none busybox true
#   docker   docker run --rm --network none busybox true  (a private dockerd)
#   podman   podman run --rm --network none --cgroup-manager cgroupfs ... busybox true (a private root)
#   crun     crun run --bundle B ID of the same busybox rootfs (no engine at all)
# busybox is the same rootfs tar everywhere (berth import, docker import, podman
# import). Prints each median and berth's ratios. Targets (issue 4): berth at
# least 10x faster than docker, within 1.3x of bare crun. Not a test.
#
#   BERTH_BUILD   build directory (default: build)
#   BENCH_SKIP    space-separated tools not to measure (e.g. "docker podman")
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-build}
case "$BERTH_BUILD" in
/*) ;;
*) BERTH_BUILD=$here/$BERTH_BUILD ;;
esac
n=${1:-${N:-30}}
skip=" ${BENCH_SKIP:-} "
# shellcheck source=tests/system/lib-images.bash disable=SC1091
. "$here/tests/system/lib-images.bash"
# shellcheck source=bench/lib.sh disable=SC1091
. "$here/bench/lib.sh"
[ -x "$BERTH" ] || { echo "run.sh: $BERTH not built (ninja -C $BERTH_BUILD)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "run.sh: needs /bin/busybox (busybox-static)" >&2; exit 1; }

# Short: dockerd's and crun's socket paths live under it.
work=$(mktemp -d /tmp/bbench.XXXXXX)
dk=$work/dk
export BERTH_ROOT=$work/berth/root BERTH_RUNROOT=$work/berth/run
podman_args=(--root "$work/podman/root" --runroot "$work/podman/run" --cgroup-manager cgroupfs)
cleanup() {
        set +e
        for id in $("$BERTH" ps -aq --no-trunc 2>/dev/null); do "$BERTH" rm -f "$id" >/dev/null 2>&1; done
        if [ -f "$dk/dockerd.pid" ]; then
                docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1
                dockerd_stop "$dk"
        fi
        if command -v podman >/dev/null; then
                podman "${podman_args[@]}" rm -af >/dev/null 2>&1
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

# crun refuses hybrid cgroups unless hugetlb has a v1 hierarchy (MACHINE-NOTES.md).
if [ -d /sys/fs/cgroup/unified ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
        { mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; } || true
fi


echo "run --rm busybox true, no network: median of $n (hyperfine: $(command -v hyperfine >/dev/null && echo yes || echo no))"
"$BERTH" import "$work/busybox.tar" busybox:latest >/dev/null 2>&1
measure berth "$BERTH" run --rm --network none busybox true

if [[ "$skip" != *" docker "* ]] && dockerd_start "$dk" 2>"$work/dockerd.err"; then
        docker import "$work/busybox.tar" busybox:latest >/dev/null 2>&1
        measure docker docker run --rm --network none busybox true
else
        echo "docker   (skipped: $(head -c 200 "$work/dockerd.err" 2>/dev/null || echo BENCH_SKIP))"
fi

if [[ "$skip" != *" podman "* ]] && command -v podman >/dev/null; then
        podman "${podman_args[@]}" import "$work/busybox.tar" busybox:latest >/dev/null 2>&1
        measure podman podman "${podman_args[@]}" run --rm --network none --ulimit nofile=20000:20000 \
                --ulimit nproc=32768:32768 busybox true
else
        echo "podman   (skipped)"
fi

if command -v crun >/dev/null; then
        mkdir -p "$work/bundle"
        cp -a "$r" "$work/bundle/rootfs"
        (cd "$work/bundle" && crun spec)
        jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" \
                >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"
        # crun run deletes the container when it exits: one ID serves every run.
        measure crun crun --root "$work/crun-state" run --bundle "$work/bundle" bench-crun
else
        echo "crun     (skipped: not installed)"
fi

b=${med[berth]:-}
[ -n "$b" ] || exit 1
for other in docker podman crun; do
        o=${med[$other]:-}
        [ -n "$o" ] || continue
        awk -v a="$o" -v b="$b" -v o="$other" 'BEGIN { printf "%s/berth = %.2fx\n", o, a / b }'
done
if [ -n "${med[docker]:-}" ]; then
        awk -v a="${med[docker]}" -v b="$b" 'BEGIN {
                r = a / b; printf "target: berth >= 10x faster than docker: %.2fx, %s\n", r, (r >= 10 ? "met" : "NOT met") }'
fi
if [ -n "${med[crun]:-}" ]; then
        awk -v c="${med[crun]}" -v b="$b" 'BEGIN {
                r = b / c; printf "target: berth within 1.3x of bare crun: %.2fx, %s\n", r, (r <= 1.3 ? "met" : "NOT met") }'
fi
