#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/runtime-start.sh [N]: time `RUNTIME run --bundle B ID` of a container
# that runs /init true, N times (default 200, or $N) for berth-runtime, crun
# and runc; print the median in ms per runtime and berth's ratios. Not a test.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
n=${1:-${N:-200}}
build=${BERTH_BUILD:-build}
case "$build" in /*) ;; *) build=$top/$build ;; esac
berth=${BERTH_RUNTIME:-$build/src/berth-runtime/berth-runtime}
init=$build/tests/helpers/berth-test-init
cache=${BERTH_TEST_CACHE:-/var/tmp/berth-tests}

[ -x "$init" ] || { echo "bench: build first (ninja -C $build)" >&2; exit 1; }
scripts/mk-busybox-rootfs.sh "$cache/busybox-rootfs" "$init"
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle"
cp -a "$cache/busybox-rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
jq '.process.terminal = false | .process.args = ["/init", "true"]' "$work/bundle/config.json" \
        >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"

# crun refuses hybrid cgroups unless hugetlb has a v1 hierarchy (MACHINE-NOTES.md).
if [ -d /sys/fs/cgroup/unified ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
        { mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; } || true
fi

declare -A median
runtimes=()
for r in "$berth" "$(command -v crun || true)" "$(command -v runc || true)"; do
        [ -n "$r" ] && [ -x "$r" ] && runtimes+=("$r")
done

# median_ms BIN: run N containers, print the median wall time in ms.
median_ms() {
        local bin=$1 name i t0 t1
        name=$(basename "$bin")
        local state=$work/state-$name
        # Warm up once (page cache, cgroup creation paths).
        "$bin" --root "$state" run --bundle "$work/bundle" "warm-$name" >/dev/null 2>&1 </dev/null || return 1
        if command -v hyperfine >/dev/null; then
                hyperfine -N --runs "$n" --export-json "$work/$name.json" \
                        "$bin --root $state run --bundle $work/bundle b-$name" >/dev/null 2>&1 || return 1
                jq '.results[0].median * 1000' "$work/$name.json"
                return
        fi
        : >"$work/$name.times"
        for i in $(seq "$n"); do
                t0=$(date +%s%N)
                "$bin" --root "$state" run --bundle "$work/bundle" "b-$name-$i" >/dev/null 2>&1 </dev/null || return 1
                t1=$(date +%s%N)
                echo $(((t1 - t0) / 1000)) >>"$work/$name.times"
        done
        sort -n "$work/$name.times" | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m / 1000}'
}

echo "runtime start: $n x run --bundle (/init true)"
for r in "${runtimes[@]}"; do
        name=$(basename "$r")
        if m=$(median_ms "$r"); then
                median[$name]=$m
                printf '%-14s median %8.2f ms\n' "$name" "$m"
        else
                printf '%-14s FAILED\n' "$name"
        fi
done

b=${median[berth-runtime]:-}
for other in crun runc; do
        o=${median[$other]:-}
        if [ -n "$b" ] && [ -n "$o" ]; then
                printf 'berth/%-8s %.2f\n' "$other" "$(echo "$b / $o" | bc -l)"
        fi
done

if pgrep -f "berth-runtime .*$work" >/dev/null; then
        echo "LEFTOVER berth-runtime processes:" >&2
        pgrep -af "berth-runtime .*$work" >&2
        exit 1
fi
if pgrep -f "$work/bundle" >/dev/null; then
        echo "LEFTOVER processes from the bench bundle" >&2
        exit 1
fi
echo "no berth process left"
