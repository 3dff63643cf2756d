#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/load.sh: `berth load` of a ~400 MB image archive against `docker load`
# (a private dockerd) and `podman load` (a private storage root) of the same
# file; median of RUNS runs each, every run into an empty store (the image is
# removed between runs). Target: berth at least 3x faster than docker.
#
#   BERTH_BUILD   build directory (default: build)
#   BENCH_CACHE   where the archive is made and kept (default: /var/tmp/berth-bench)
#   RUNS          runs per tool (default: 3)
#   BENCH_FS      tmpfs (default): every store (berth's root, dockerd's data root,
#                 podman's root) on one tmpfs, so the engines are measured, not this
#                 VM's disk; disk: under $BENCH_CACHE (ext4 here: file creation
#                 dominates, ~0.5 ms a file, and all three converge)
#
# The archive: one image of four layers (/usr/lib/gcc, /usr/include and
# Python's libraries: many small files and some large ones), uncompressed, in the
# docker-archive layout that `docker save` (25+) and `berth save` write.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-build}
case "$BERTH_BUILD" in
/*) ;;
*) BERTH_BUILD=$here/$BERTH_BUILD ;;
esac
BENCH_CACHE=${BENCH_CACHE:-/var/tmp/berth-bench}
RUNS=${RUNS:-3}
# shellcheck source=tests/system/lib-images.bash disable=SC1091
. "$here/tests/system/lib-images.bash"
[ -x "$BERTH" ] || { echo "load.sh: $BERTH not built" >&2; exit 1; }

ref=berth-bench-load:latest
archive=$BENCH_CACHE/load-400m.tar
BENCH_FS=${BENCH_FS:-tmpfs}
mkdir -p "$BENCH_CACHE"
work=$(mktemp -d "$BENCH_CACHE/load-run.XXXXXX")
case "$BENCH_FS" in
tmpfs) mount -t tmpfs -o size=8g,mode=0700 tmpfs "$work" ;;
disk) ;;
*) echo "load.sh: BENCH_FS must be tmpfs or disk" >&2; exit 2 ;;
esac
dk=$work/dk
mkdir -p "$dk"
cleanup() {
        set +e
        if [ -f "$dk/up" ]; then
                docker rmi -f "$ref" >/dev/null 2>&1 || true
        fi
        dockerd_stop "$dk" 2>/dev/null || true
        if command -v podman >/dev/null; then
                podman --root "$work/podman-root" --runroot "$work/podman-run" rmi -f "$ref" >/dev/null 2>&1 || true
        fi
        grep -F " $work/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null || true
        done
        mountpoint -q "$work" && umount -l "$work"
        rm -rf "$work" || { sleep 1; rm -rf "$work"; }
}
trap cleanup EXIT

if [ ! -f "$archive" ]; then
        echo "making $archive ..." >&2
        layers=()
        n=0
        for src in /usr/lib/gcc /usr/include /usr/lib/python3.11 /usr/lib/python3; do
                [ -d "$src" ] || continue
                n=$((n + 1))
                tar --numeric-owner --sort=name --mtime=@0 --transform "s,^\\.,${src#/}," -C "$src" \
                        -cf "$BENCH_CACHE/layer$n.tar" .
                layers+=("$BENCH_CACHE/layer$n.tar")
        done
        mk_docker_archive "$archive.tmp" "$ref" "${layers[@]}" >/dev/null
        rm -f "${layers[@]}"
        mv "$archive.tmp" "$archive"
fi
size_mb=$(($(stat -c %s "$archive") >> 20))
cat "$archive" >/dev/null # every tool reads it from the page cache

# now_ms: milliseconds since the epoch.
now_ms() {
        echo $(($(date +%s%N) / 1000000))
}

# median N...: the middle value.
median() {
        printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}

# time_runs PREPARE LOAD CLEAN: RUNS timings (ms) of LOAD, each after PREPARE, CLEAN after.
time_runs() {
        local prepare=$1 load=$2 clean=$3 t0 t1 times=()
        for _ in $(seq "$RUNS"); do
                $prepare
                sync
                t0=$(now_ms)
                if ! $load >/dev/null 2>"$work/load.err"; then
                        echo "$load failed: $(cat "$work/load.err")" >&2
                        return 1
                fi
                t1=$(now_ms)
                times+=($((t1 - t0)))
                $clean
        done
        echo "${times[*]}"
}

berth_prepare() { rm -rf "$work/berth"; mkdir -p "$work/berth"; }
berth_load() { BERTH_ROOT=$work/berth/root BERTH_RUNROOT=$work/berth/run "$BERTH" load -i "$archive"; }
berth_clean() { rm -rf "$work/berth"; }

docker_prepare() { :; }
docker_load() { docker load -i "$archive"; }
docker_clean() { docker rmi -f "$ref" >/dev/null; }

podman_cmd() { podman --root "$work/podman-root" --runroot "$work/podman-run" "$@"; }
podman_prepare() { :; }
podman_load() { podman_cmd load -i "$archive"; }
podman_clean() { podman_cmd rmi -f "$ref" >/dev/null; }

echo "archive: $archive ($size_mb MiB, $(tar -tf "$archive" | grep -c '^blobs/sha256/.') blobs);" \
        "stores on $BENCH_FS; runs: $RUNS"
out=$(time_runs berth_prepare berth_load berth_clean) || exit 1
read -r -a bt <<<"$out"
bm=$(median "${bt[@]}")
printf '%-8s %8s ms   (runs: %s)\n' berth "$bm" "${bt[*]}"

dm=
if dockerd_start "$dk" 2>"$dk/start.err"; then
        touch "$dk/up"
        docker rmi -f "$ref" >/dev/null 2>&1 || true
        out=$(time_runs docker_prepare docker_load docker_clean) || exit 1
        read -r -a dt <<<"$out"
        dm=$(median "${dt[@]}")
        printf '%-8s %8s ms   (runs: %s)   docker/berth = %s\n' docker "$dm" "${dt[*]}" \
                "$(awk -v a="$dm" -v b="$bm" 'BEGIN {printf "%.2fx", a / b}')"
else
        echo "docker   (skipped: no dockerd: $(head -c 200 "$dk/start.err"))"
fi

pm=
if command -v podman >/dev/null; then
        out=$(time_runs podman_prepare podman_load podman_clean) || exit 1
        read -r -a pt <<<"$out"
        pm=$(median "${pt[@]}")
        printf '%-8s %8s ms   (runs: %s)   podman/berth = %s\n' podman "$pm" "${pt[*]}" \
                "$(awk -v a="$pm" -v b="$bm" 'BEGIN {printf "%.2fx", a / b}')"
else
        echo "podman   (skipped: not installed)"
fi

if [ -n "$dm" ]; then
        awk -v a="$dm" -v b="$bm" 'BEGIN {
                r = a / b
                printf "target: berth >= 3x faster than docker load: %.2fx, %s\n", r, (r >= 3 ? "met" : "NOT met")
        }'
fi
