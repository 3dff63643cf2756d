#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/ps-logs.sh: two listing/reading costs against docker (a private dockerd):
#   ps      `ps -a` of 1000 created containers. The containers are created once
#           and kept in $BENCH_CACHE (berth's root and dockerd's data root), so
#           later runs only measure.
#   logs    `logs C >/dev/null` of a container that wrote 100 MB to stdout
#           (1,000,000 lines of 100 bytes, json-file on both sides; berth's
#           rotation raised with --log-opt max-size=200m so that the whole log stays).
# Median of RUNS (default 10) with hyperfine when installed. docker is skipped
# when dockerd cannot start. Not a test.
#
#   BERTH_BUILD   build directory (default: build)
#   BENCH_CACHE   where the 1000-container stores are kept (default: /var/tmp/berth-bench)
#   RUNS          runs per measure (default: 10)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-build}
case "$BERTH_BUILD" in
/*) ;;
*) BERTH_BUILD=$here/$BERTH_BUILD ;;
esac
BENCH_CACHE=${BENCH_CACHE:-/var/tmp/berth-bench}
RUNS=${RUNS:-10}
# shellcheck source=tests/system/lib-images.bash disable=SC1091
. "$here/tests/system/lib-images.bash"
[ -x "$BERTH" ] || { echo "ps-logs.sh: $BERTH not built (ninja -C $BERTH_BUILD)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "ps-logs.sh: needs /bin/busybox (busybox-static)" >&2; exit 1; }

cache=$BENCH_CACHE/ps-logs
mkdir -p "$cache"
work=$(mktemp -d /tmp/bpl.XXXXXX) # short: dockerd's sockets live under it
dk=$work/dk
mkdir -p "$dk"
export BERTH_ROOT=$cache/berth-root BERTH_RUNROOT=$work/berth-run
LOGS_ROOT=$work/logs-root
cleanup() {
        set +e
        BERTH_ROOT=$LOGS_ROOT "$BERTH" rm -f logbench >/dev/null 2>&1
        if [ -f "$dk/dockerd.pid" ]; then
                docker rm -f logbench >/dev/null 2>&1
                dockerd_stop "$dk"
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

# median_ms NAME CMD...: the median wall time of RUNS runs of CMD (stdout discarded), in ms.
median_ms() {
        local name=$1 t0 t1
        shift
        "$@" >/dev/null 2>"$work/$name.err" || { echo "$name failed: $(head -c 300 "$work/$name.err")" >&2; return 1; }
        if command -v hyperfine >/dev/null; then
                hyperfine -N --runs "$RUNS" --output=null --export-json "$work/$name.json" "${*@Q}" \
                        >/dev/null 2>&1 || return 1
                jq '.results[0].median * 1000' "$work/$name.json"
                return
        fi
        : >"$work/$name.times"
        for _ in $(seq "$RUNS"); do
                t0=$(date +%s%N)
                "$@" >/dev/null 2>&1 || return 1
                t1=$(date +%s%N)
                echo $(((t1 - t0) / 1000)) >>"$work/$name.times"
        done
        sort -n "$work/$name.times" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] / 1000}'
}

# fill N CMD...: run CMD (which creates one container) until the store holds N, 16 at a time.
fill() {
        local want=$1 have
        shift
        have=$("$@" ps -aq | wc -l)
        [ "$have" -lt "$want" ] || return 0
        echo "creating $((want - have)) containers with $1 (kept in $cache) ..." >&2
        seq $((want - have)) | xargs -P 16 -I{} "$@" create busybox true >/dev/null
}

# The 100 MB writer: 1,000,000 lines of 99 characters and a newline.
writer=(sh -c 'yes 012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678 | head -n 1000000')

declare -A ps_ms logs_ms
"$BERTH" images -q busybox:latest | grep -q . || "$BERTH" import "$work/busybox.tar" busybox:latest >/dev/null
fill 1000 "$BERTH"
ps_ms[berth]=$(median_ms berth-ps "$BERTH" ps -a)
BERTH_ROOT=$LOGS_ROOT "$BERTH" import "$work/busybox.tar" busybox:latest >/dev/null
BERTH_ROOT=$LOGS_ROOT "$BERTH" run --name logbench --log-opt max-size=200m busybox "${writer[@]}" >/dev/null
logs_ms[berth]=$(BERTH_ROOT=$LOGS_ROOT median_ms berth-logs "$BERTH" logs logbench)
berth_log=$(BERTH_ROOT=$LOGS_ROOT "$BERTH" inspect -f '{{.LogPath}}' logbench)

docker_ok=
# dockerd_start's daemon, but its data root is kept with the 1000 containers; the exec root stays fresh.
if command -v dockerd >/dev/null && command -v docker >/dev/null; then
        export DOCKER_HOST=unix://$dk/sock
        dockerd --data-root "$cache/docker-data" --exec-root "$dk/exec" --pidfile "$dk/pid" -H "unix://$dk/sock" \
                --bridge=none --iptables=false </dev/null >"$dk/log" 2>&1 &
        echo $! >"$dk/dockerd.pid"
        for _ in $(seq 300); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
        docker version >/dev/null 2>&1 || tail -3 "$dk/log" >"$work/dockerd.err"
        if docker version >/dev/null 2>&1; then
                docker_ok=1
                docker images -q busybox:latest | grep -q . ||
                        docker import "$work/busybox.tar" busybox:latest >/dev/null
                fill 1000 docker
                ps_ms[docker]=$(median_ms docker-ps docker ps -a)
                docker rm -f logbench >/dev/null 2>&1 || true
                docker run --name logbench --network none busybox "${writer[@]}" >/dev/null
                logs_ms[docker]=$(median_ms docker-logs docker logs logbench)
                docker_log=$(docker inspect -f '{{.LogPath}}' logbench)
        fi
fi

echo "ps -a of 1000 created containers, logs of a 100 MB log; median of $RUNS"
printf '%-16s %12s %12s\n' "" berth docker
printf '%-16s %9.2f ms %12s\n' "ps -a (1000)" "${ps_ms[berth]}" "${ps_ms[docker]:+$(printf '%.2f ms' "${ps_ms[docker]}")}"
printf '%-16s %9.2f ms %12s\n' "logs (100 MB)" "${logs_ms[berth]}" \
        "${logs_ms[docker]:+$(printf '%.2f ms' "${logs_ms[docker]}")}"
printf 'log file sizes: berth %s' "$(du -b "$berth_log" | cut -f1)"
[ -z "$docker_ok" ] || printf ', docker %s' "$(du -b "$docker_log" | cut -f1)"
echo
if [ -n "$docker_ok" ]; then
        awk -v b="${ps_ms[berth]}" -v d="${ps_ms[docker]}" 'BEGIN { printf "ps -a: docker/berth = %.2fx\n", d / b }'
        awk -v b="${logs_ms[berth]}" -v d="${logs_ms[docker]}" 'BEGIN { printf "logs:  docker/berth = %.2fx\n", d / b }'
else
        echo "docker skipped: $(head -c 200 "$work/dockerd.err" 2>/dev/null || echo not installed)"
fi
