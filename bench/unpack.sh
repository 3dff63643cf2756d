#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Unpacking a ~200 MB gzip layer: `tar -xzf` vs berth's layer_apply (bench/berth-unpack).
# Usage: bench/unpack.sh [BUILD_DIR]   (default: build). Needs root (owners, device nodes).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
cache=/var/tmp/berth-bench
layer=$cache/layer-200m.tar.gz
runs=${RUNS:-5}

mkdir -p "$cache"
if [ ! -s "$layer" ]; then
        echo "building $layer (once)..." >&2
        list=$cache/layer.list
        # A rootfs-like mix (many small files in share/, libraries, binaries) up to ~600 MB uncompressed.
        set +o pipefail # awk stops early: find and sort get SIGPIPE
        for d in /usr/share /usr/lib /usr/bin; do
                find "$d" -xdev \( -type f -o -type l -o -type d \) -printf '%s\t%p\n' 2>/dev/null | sort -t$'\t' -k2
        done | awk -F'\t' '{ t += $1; if (t > 600 * 1024 * 1024) exit; print substr($2, 2) }' >"$list"
        set -o pipefail
        tar -C / --no-recursion -cf - -T "$list" | gzip -6 >"$layer.tmp"
        mv "$layer.tmp" "$layer"
        rm -f "$list"
fi
unpack=${BERTH_UNPACK:-}
if [ -z "$unpack" ]; then
        ninja -C "$build" bench/berth-unpack >/dev/null
        unpack=$build/bench/berth-unpack
fi

# By default the files go to a private tmpfs: on this kind of VM, disk writeback makes runs vary
# from 15 s to 60 s for both tools, which measures the disk, not the unpacker. BENCH_DISK=1: real disk.
work=$(mktemp -d /var/tmp/berth-bench/run.XXXXXX)
if [ -z "${BENCH_DISK:-}" ]; then
        mount -t tmpfs -o size=4g berth-bench "$work"
        trap 'umount "$work"; rmdir "$work"' EXIT
else
        trap 'rm -rf "$work"' EXIT
fi
cat "$layer" >/dev/null # warm the page cache for both

time_one() { # prints seconds
        local t0 t1
        rm -rf "$work/out"
        mkdir "$work/out"
        [ -z "${BENCH_DISK:-}" ] || sync
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

tar_times=() berth_times=()
for ((i = 0; i < runs; i++)); do
        tar_times+=("$(time_one tar -C "$work/out" --numeric-owner -xzf "$layer")")
        berth_times+=("$(time_one "$unpack" "$layer" "$work/out")")
done
tar_med=$(printf '%s\n' "${tar_times[@]}" | median)
berth_med=$(printf '%s\n' "${berth_times[@]}" | median)
size=$(du -m "$layer" | cut -f1)
printf 'layer: %s (%s MB gzip), into %s\n' "$layer" "$size" "$( [ -n "${BENCH_DISK:-}" ] && echo disk || echo tmpfs)"
printf 'tar -xzf        median of %d: %.3f s  (%s)\n' "$runs" "$tar_med" "${tar_times[*]}"
printf 'berth-unpack    median of %d: %.3f s  (%s)\n' "$runs" "$berth_med" "${berth_times[*]}"
printf 'ratio (tar / berth): %.2fx (target >= 1.5x)\n' "$(echo "$tar_med / $berth_med" | bc -l)"
