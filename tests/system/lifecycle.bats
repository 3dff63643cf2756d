#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The OCI lifecycle through the runtime CLI: run, create/start/state/kill/delete,
# list, ps, pause/resume, pid files and exit codes.

load helpers

setup() {
        berth_setup
        require_runtime
}

@test "run: exit status 0 and output of the container" {
        make_bundle "$BUNDLE" /init echo hello from the container
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output "hello from the container"
}

@test "run: the runtime returns the container's exit status" {
        make_bundle "$BUNDLE" /init exit 42
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 42
        set_args /init exit 1
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 1
}

@test "run: a container killed by a signal exits 128+N" {
        make_bundle "$BUNDLE" /init kill-self 11
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 139
}

@test "run: SIGKILL from 'kill' makes run return 137" {
        make_bundle "$BUNDLE" /init pause
        rt run --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/out" 2>&1 &
        local runpid=$!
        wait_for_status "$CID" running
        rt kill "$CID" KILL
        local rc=0
        wait "$runpid" || rc=$?
        [ "$rc" -eq 137 ] || fail "run returned $rc, wanted 137"
}

@test "run: the bundle defaults to the current directory" {
        make_bundle "$BUNDLE" /init echo cwd bundle
        cd "$BUNDLE"
        run rt run "$CID"
        assert_status 0
        assert_output "cwd bundle"
}

@test "run: a missing executable fails with non-zero status" {
        make_bundle "$BUNDLE" /does-not-exist
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "run: a missing bundle fails and leaves no state" {
        run rt run --bundle "$TEST_TMP/nope" "$CID"
        [ "$status" -ne 0 ]
        run rt state "$CID"
        [ "$status" -ne 0 ]
}

@test "run: an id already in use is refused" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        run rt create --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
        wait_for_status "$CID" running
}

@test "run --detach: returns at once, container keeps running" {
        make_bundle "$BUNDLE" /init pause
        # The detached container keeps whatever stdio it gets: not bats' pipe.
        run rt_detached run --detach --bundle "$BUNDLE" "$CID"
        assert_status 0
        wait_for_status "$CID" running
        rt kill "$CID" KILL
        wait_for_status "$CID" stopped
        rt delete "$CID"
}

@test "create/start/state: created -> running -> stopped" {
        # It runs until the test creates /go: with `/init sleep 1`, a loaded machine could be past the exit
        # before the first `state` saw it running.
        make_bundle "$BUNDLE" /bin/sh -c 'until [ -e /go ]; do sleep 0.05; done'
        rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/out" 2>&1
        run rt state "$CID"
        assert_status 0
        [ "$(jq -r .status <<<"$output")" = created ]
        [ "$(jq -r .id <<<"$output")" = "$CID" ]
        [ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
        [ -n "$(jq -r .ociVersion <<<"$output")" ]
        local pid
        pid=$(jq -r .pid <<<"$output")
        [ "$pid" -gt 0 ]
        [ -d "/proc/$pid" ]
        rt start "$CID"
        wait_for_status "$CID" running 100
        touch "${BUNDLE:?}/rootfs/go"
        wait_for_status "$CID" stopped 100
        rt delete "$CID"
        run rt state "$CID"
        [ "$status" -ne 0 ]
}

@test "create: the process does not run before start" {
        make_bundle "$BUNDLE" /init write /tmp/started yes
        spec_set '.mounts += [{destination: "/tmp", type: "bind", source: $d, options: ["rbind", "rw"]}]' \
                --arg d "$TEST_TMP"
        rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
        sleep 0.3
        [ ! -e "$TEST_TMP/started" ]
        rt start "$CID"
        wait_for_file "$TEST_TMP/started"
}

@test "state: annotations from config.json are reported" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.annotations = {"org.berth.test": "yes"}'
        start_bg "$CID"
        run rt state "$CID"
        assert_status 0
        [ "$(jq -r '.annotations["org.berth.test"]' <<<"$output")" = yes ]
}

@test "state: an unknown container fails" {
        run rt state no-such-container
        [ "$status" -ne 0 ]
}

@test "create --pid-file: the file holds the init's host pid" {
        make_bundle "$BUNDLE" /init pause
        rt create --bundle "$BUNDLE" --pid-file "$TEST_TMP/pid" "$CID" </dev/null >/dev/null 2>&1
        [ -s "$TEST_TMP/pid" ]
        local pid
        pid=$(cat "$TEST_TMP/pid")
        [ "$pid" = "$(rt_state_field "$CID" pid)" ]
        grep -q '^/init' <(tr '\0' '\n' <"/proc/$pid/cmdline") || \
                [ "$(rt_state_field "$CID" status)" = created ]
}

@test "kill: default signal is SIGTERM; the init dies only of signals it handles or KILL" {
        # pid 1 ignores a signal it has no handler for: kill only once the trap is set.
        make_bundle "$BUNDLE" /bin/sh -c 'trap "exit 7" TERM; echo set >/trap-set; while :; do sleep 0.1; done'
        start_bg "$CID"
        wait_for_file "$BUNDLE/rootfs/trap-set"
        rt kill "$CID"
        wait_for_status "$CID" stopped
}

@test "kill: by signal name and number" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        rt kill "$CID" 9
        wait_for_status "$CID" stopped
        local id2
        id2=$(new_cid)
        start_bg "$id2"
        rt kill "$id2" SIGKILL
        wait_for_status "$id2" stopped
}

@test "kill: a stopped container cannot be signalled" {
        make_bundle "$BUNDLE" /init true
        rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
        rt start "$CID"
        wait_for_status "$CID" stopped
        run rt kill "$CID" KILL
        [ "$status" -ne 0 ]
}

@test "delete: refuses a running container without --force" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        run rt delete "$CID"
        [ "$status" -ne 0 ]
        [ "$(rt_state_field "$CID" status)" = running ]
        local pid
        pid=$(rt_state_field "$CID" pid)
        rt delete --force "$CID"
        run rt state "$CID"
        [ "$status" -ne 0 ]
        sleep 0.1
        [ ! -d "/proc/$pid" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status")" = Z ]
}

@test "delete: a created container can be deleted, its process goes away" {
        make_bundle "$BUNDLE" /init pause
        rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
        local pid
        pid=$(rt_state_field "$CID" pid)
        rt delete --force "$CID"
        run rt state "$CID"
        [ "$status" -ne 0 ]
        local i
        for i in $(seq 50); do
                [ -d "/proc/$pid" ] || break
                sleep 0.05
        done
        [ ! -d "/proc/$pid" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status")" = Z ]
}

@test "list: shows the containers of this --root" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        run rt list
        assert_status 0
        assert_line_match "^$CID[[:space:]]+[0-9]+[[:space:]]+running"
        run rt list --format json
        assert_status 0
        [ "$(jq -r '.[0].id' <<<"$output")" = "$CID" ]
        [ "$(jq -r '.[0].status' <<<"$output")" = running ]
}

@test "ps: lists the container's processes" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        local pid
        pid=$(rt_state_field "$CID" pid)
        run rt ps --format json "$CID"
        assert_status 0
        jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
        run rt ps "$CID"
        assert_status 0
        # runc prints a ps(1) table, crun a PID list: the pid is a word of some line.
        assert_line_match "(^|[[:space:]])$pid([[:space:]]|\$)"
}

@test "pause/resume: the container freezes and thaws" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        rt pause "$CID"
        [ "$(rt_state_field "$CID" status)" = paused ]
        local pid
        pid=$(rt_state_field "$CID" pid)
        # A frozen task sleeps in the freezer ("D" on v1, "S" on v2 with frozen flag).
        rt resume "$CID"
        [ "$(rt_state_field "$CID" status)" = running ]
        [ -d "/proc/$pid" ]
}

@test "exec: runs a process in a running container" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        run rt exec "$CID" /init echo from exec
        assert_status 0
        assert_output "from exec"
        run rt exec "$CID" /init exit 5
        assert_status 5
}

@test "exec: joins the container's namespaces" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.hostname = "exec-ns"'
        start_bg "$CID"
        run rt exec "$CID" /init hostname
        assert_status 0
        assert_line_match '^hostname=exec-ns$'
        run rt exec "$CID" /init ls /proc
        assert_status 0
        # In the container's pid namespace the init is pid 1.
        assert_line_match '^1$'
}

@test "exec --process: process.json" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        jq '.process | .args = ["/init", "echo", "via", "process"]' "$BUNDLE/config.json" >"$TEST_TMP/p.json"
        run rt exec --process "$TEST_TMP/p.json" "$CID"
        assert_status 0
        assert_output "via process"
}

@test "exec --detach --pid-file" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        rt exec -d --pid-file "$TEST_TMP/exec.pid" "$CID" /init write /tmp/exec-ran yes </dev/null >/dev/null 2>&1
        [ -s "$TEST_TMP/exec.pid" ]
        local i
        for i in $(seq 40); do
                run rt exec "$CID" /init cat /tmp/exec-ran
                [ "$output" = yes ] && break
                sleep 0.05
        done
        assert_output yes
}

@test "exec: into a stopped container fails" {
        make_bundle "$BUNDLE" /init true
        rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
        rt start "$CID"
        wait_for_status "$CID" stopped
        run rt exec "$CID" /init true
        [ "$status" -ne 0 ]
}

@test "--version" {
        run "$RUNTIME" --version
        assert_status 0
        assert_line_match '[0-9]+\.[0-9]+'
}

@test "features: JSON per the runtime-spec's features.md" {
        # crun 1.8 predates the features command.
        runtime_is crun && skip "crun 1.8 has no features command"
        run "$RUNTIME" features
        assert_status 0
        jq -e '.ociVersionMin and .ociVersionMax' <<<"$output"
}

@test "spec: writes a config.json that runs" {
        cd "$TEST_TMP"
        run "$RUNTIME" spec
        assert_status 0
        jq -e '.process.args and .root.path == "rootfs"' config.json
}

@test "--log --log-format json: errors are logged as JSON lines" {
        run "$RUNTIME" --root "$TEST_STATE" --log "$TEST_TMP/log.json" --log-format json state nope
        [ "$status" -ne 0 ]
        [ -s "$TEST_TMP/log.json" ]
        tail -1 "$TEST_TMP/log.json" | jq -e '.msg and .level'
}
