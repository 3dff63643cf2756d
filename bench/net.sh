#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/net.sh [N]: what networking costs (issue 5). Not a test.
#   1. `run --rm busybox true` on the default bridge and with --network none,
#      medians of N runs (default 30, or $N), for berth and for docker (a private
#      dockerd with its own bridge and iptables rules, stopped at the end): the
#      difference is the cost of the bridge. Target: berth's at most 5 ms.
#   2. Throughput: a 256 MiB file served by busybox httpd in a berth container,
#      fetched by curl on the host through a published port on 127.0.0.1 (DNAT)
#      and straight from the container's address over the bridge (no NAT).
#      Target: through the published port at least 90% of the direct transfer.
# Everything stays on this host: loopback and the bridges berth and dockerd make.
#
#   BERTH_BUILD   build directory (default: build)
#   BENCH_SKIP    space-separated parts not to run ("docker", "throughput")
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
[ -x "$BERTH" ] || { echo "net.sh: $BERTH not built (ninja -C $BERTH_BUILD)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "net.sh: needs /bin/busybox (busybox-static)" >&2; exit 1; }

work=$(mktemp -d /tmp/nbench.XXXXXX)
dk=$work/dk
export BERTH_ROOT=$work/berth/root BERTH_RUNROOT=$work/berth/run
cleanup() {
        set +e
        for id in $("$BERTH" ps -aq --no-trunc 2>/dev/null); do "$BERTH" rm -f "$id" >/dev/null 2>&1; done
        if [ -f "$dk/pid" ] || [ -f "$dk/dockerd.pid" ]; then
                docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
                kill "$(cat "$dk/dockerd.pid" 2>/dev/null)" 2>/dev/null
                for _ in $(seq 100); do kill -0 "$(cat "$dk/dockerd.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
        fi
        grep -F " $work/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null
        done
        rm -rf "$work"
}
trap cleanup EXIT

r=$work/rootfs
busybox_rootfs "$r" www
rootfs_tar "$r" "$work/busybox.tar"


cost() { # NAME BRIDGE NONE
        [ -n "${med[$2]:-}" ] && [ -n "${med[$3]:-}" ] || return 0
        awk -v a="${med[$2]}" -v b="${med[$3]}" -v n="$1" 'BEGIN { printf "%s: the bridge costs %.2f ms\n", n, a - b }'
}

echo "== run --rm busybox true: default bridge vs --network none, median of $n"
"$BERTH" import "$work/busybox.tar" busybox:latest >/dev/null
measure berth-bridge "$BERTH" run --rm busybox true
measure berth-none "$BERTH" run --rm --network none busybox true
cost berth berth-bridge berth-none

if [[ "$skip" != *" docker "* ]] && command -v dockerd >/dev/null; then
        # dockerd with its own bridge and rules (docker0, 172.17/16), unlike the tests' --bridge=none.
        mkdir -p "$dk"
        dockerd --data-root "$dk/data" --exec-root "$dk/exec" --pidfile "$dk/pid" -H "unix://$dk/sock" \
                </dev/null >"$dk/log" 2>&1 &
        echo $! >"$dk/dockerd.pid"
        export DOCKER_HOST=unix://$dk/sock
        for _ in $(seq 300); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
        if docker import "$work/busybox.tar" busybox:latest >/dev/null 2>&1; then
                measure docker-bridge docker run --rm busybox true
                measure docker-none docker run --rm --network none busybox true
                cost docker docker-bridge docker-none
        else
                echo "docker: did not start ($(tail -1 "$dk/log"))"
        fi
fi

if [[ "$skip" != *" throughput "* ]]; then
        echo "== throughput: 256 MiB over http from a container, 3 runs each, best"
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        "$BERTH" run -d --name big -p "127.0.0.1:$port:80" --tmpfs /www busybox \
                sh -c 'dd if=/dev/zero of=/www/big bs=1M count=256 2>/dev/null; httpd -f -p 80 -h /www' >/dev/null
        ip=$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' big)
        for _ in $(seq 100); do curl -fsS -o /dev/null "http://$ip/big" 2>/dev/null && break; sleep 0.1; done
        best() { # URL: best of 3 in MB/s
                local i s m=0
                for i in 1 2 3; do
                        s=$(curl -fsS -o /dev/null -w '%{speed_download}' "$1")
                        m=$(awk -v a="$s" -v b="$m" 'BEGIN { print (a > b ? a : b) }')
                done
                awk -v a="$m" 'BEGIN { printf "%.1f", a / 1048576 }'
        }
        direct=$(best "http://$ip/big")
        nat=$(best "http://127.0.0.1:$port/big")
        echo "direct to $ip (bridge, no NAT): $direct MiB/s"
        echo "published 127.0.0.1:$port (DNAT): $nat MiB/s"
        awk -v a="$nat" -v b="$direct" 'BEGIN { r = a / b * 100; printf "published/direct = %.0f%%, target >= 90%%: %s\n", r, (r >= 90 ? "met" : "NOT met") }'
fi
