#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# dockerd drives $RUNTIME (--add-runtime berth=...). A private dockerd (its own
# data-root, exec-root, pidfile and socket) so it never touches another one.

load helpers

setup_file() {
        maybe_prepare_crun
        export DOCKER_IMAGE="berth-test-busybox:t$$"
        DK=$(mktemp -d /tmp/berth-dk.XXXXXX)
        export DK DOCKER_HOST="unix://$DK/sock"
        command -v dockerd >/dev/null || return 0
        command -v docker >/dev/null || return 0
        [ -x "$RUNTIME" ] || return 0
        dockerd --data-root "$DK/data" --exec-root "$DK/exec" --pidfile "$DK/pid" -H "$DOCKER_HOST" \
                --bridge=none --iptables=false --ip6tables=false --storage-driver vfs \
                --add-runtime "berth=$RUNTIME" >"$DK/dockerd.log" 2>&1 &
        echo $! >"$DK/dockerd.pid"
        local i
        for i in $(seq 150); do
                docker info >/dev/null 2>&1 && break
                sleep 0.2
        done
        docker info >/dev/null 2>&1 || return 0
        [ -x "$TEST_INIT" ] || return 0
        "$BERTH_SRC/scripts/mk-busybox-rootfs.sh" "$BUSYBOX_ROOTFS" "$TEST_INIT" >&2 || return 0
        tar -C "$BUSYBOX_ROOTFS" -c . | docker import - "$DOCKER_IMAGE" >/dev/null 2>&1 || true
}

teardown_file() {
        [ -n "${DK:-}" ] || return 0
        if [ -f "$DK/dockerd.pid" ]; then
                local pid i
                pid=$(cat "$DK/dockerd.pid")
                kill "$pid" 2>/dev/null || true
                for i in $(seq 100); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.1
                done
                kill -9 "$pid" 2>/dev/null || true
        fi
        grep -F " $DK/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null || true
        done
        rm -rf "$DK"
}

setup() {
        berth_setup
        require_runtime
        command -v dockerd >/dev/null || berth_skip "dockerd not installed"
        docker info >/dev/null 2>&1 || berth_skip "private dockerd did not start: $(tail -3 "$DK/dockerd.log")"
        docker image inspect "$DOCKER_IMAGE" >/dev/null 2>&1 || berth_skip "cannot import the test image"
}

@test "docker: run --rm --runtime berth" {
        run docker run --rm --network none --runtime berth "$DOCKER_IMAGE" /init echo hi
        assert_status 0
        assert_output hi
}

@test "docker: exit code is propagated" {
        run docker run --rm --network none --runtime berth "$DOCKER_IMAGE" /init exit 7
        assert_status 7
}

@test "docker: user, env, workdir, hostname" {
        run docker run --rm --network none --runtime berth --user 1000:1000 -e FOO=bar -w /tmp -h dkhost \
                "$DOCKER_IMAGE" /bin/sh -c 'id -u; echo $FOO; pwd; hostname'
        assert_status 0
        assert_output "$(printf '1000\nbar\n/tmp\ndkhost')"
}

@test "docker: detached container, exec, stop, rm" {
        local name="berth-dk-$$-$RANDOM"
        run docker run -d --name "$name" --network none --runtime berth "$DOCKER_IMAGE" /init pause
        assert_status 0
        run docker exec "$name" /init echo inside
        local st=$status out=$output
        docker rm -f "$name" >/dev/null 2>&1 || true
        [ "$st" -eq 0 ] || fail "exec: $out"
        [ "$out" = inside ]
}

@test "docker: the container's runtime is berth" {
        local name="berth-dk-$$-$RANDOM"
        docker create --name "$name" --network none --runtime berth "$DOCKER_IMAGE" /init true >/dev/null
        run docker inspect --format '{{.HostConfig.Runtime}}' "$name"
        docker rm -f "$name" >/dev/null 2>&1 || true
        assert_output berth
}
