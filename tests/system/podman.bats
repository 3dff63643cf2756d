#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# podman drives $RUNTIME (podman --runtime). Uses an image imported from the
# busybox test rootfs; removes only what it created.

load helpers

PODMAN_OPTS=(--cgroup-manager cgroupfs)
RUN_OPTS=(--rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

setup_file() {
        maybe_prepare_crun
        export PODMAN_IMAGE="localhost/berth-test-busybox:t$$"
        command -v podman >/dev/null || return 0
        [ -x "$TEST_INIT" ] || return 0
        "$BERTH_SRC/scripts/mk-busybox-rootfs.sh" "$BUSYBOX_ROOTFS" "$TEST_INIT" >&2 || return 0
        tar -C "$BUSYBOX_ROOTFS" -c . | podman "${PODMAN_OPTS[@]}" import - "$PODMAN_IMAGE" >/dev/null 2>&1 || true
}

teardown_file() {
        command -v podman >/dev/null || return 0
        podman "${PODMAN_OPTS[@]}" rmi -f "$PODMAN_IMAGE" >/dev/null 2>&1 || true
}

setup() {
        berth_setup
        require_runtime
        command -v podman >/dev/null || berth_skip "podman not installed"
        podman "${PODMAN_OPTS[@]}" image exists "$PODMAN_IMAGE" || berth_skip "cannot import the test image"
}

pm() {
        podman "${PODMAN_OPTS[@]}" --runtime "$RUNTIME" "$@"
}

@test "podman: run --rm echoes through the runtime" {
        run pm run "${RUN_OPTS[@]}" "$PODMAN_IMAGE" /init echo hello from podman
        assert_status 0
        assert_output "hello from podman"
}

@test "podman: exit code is propagated" {
        run pm run "${RUN_OPTS[@]}" "$PODMAN_IMAGE" /init exit 3
        assert_status 3
}

@test "podman: user, env, workdir, hostname" {
        run pm run "${RUN_OPTS[@]}" --user 1000:1000 -e FOO=bar -w /tmp --hostname pmhost \
                "$PODMAN_IMAGE" /bin/sh -c 'id -u; echo $FOO; pwd; hostname'
        assert_status 0
        assert_output "$(printf '1000\nbar\n/tmp\npmhost')"
}

@test "podman: detached container, exec, stop" {
        local name="berth-pm-$$-$RANDOM"
        run pm run -d --name "$name" --network none --ulimit nofile=20000:20000 \
                --ulimit nproc=32768:32768 "$PODMAN_IMAGE" /init pause
        assert_status 0
        run pm exec "$name" /init echo inside
        local st=$status out=$output
        pm rm -f -t 0 "$name" >/dev/null 2>&1 || true
        [ "$st" -eq 0 ] || fail "exec: $out"
        [ "$out" = inside ]
}

@test "podman: the runtime was really used" {
        run pm info --format '{{.Host.OCIRuntime.Path}}'
        assert_status 0
        assert_output "$RUNTIME"
}
