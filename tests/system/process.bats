#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# config.json's process: args, env, cwd, user, umask, rlimits, noNewPrivileges,
# oomScoreAdj, capabilities, terminal.

load helpers

setup() {
        berth_setup
        require_runtime
}

@test "args: passed verbatim, spaces and quotes kept" {
        make_bundle "$BUNDLE" /init echo "a b" '"q"' "-c" ''
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output "a b \"q\" -c "
}

@test "env: exactly the configured environment" {
        make_bundle "$BUNDLE" /init env
        spec_set '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^FOO=bar baz$'
        assert_line_match '^EMPTY=$'
        assert_line_match '^PATH=/bin$'
}

@test "args: the executable is found through the container's PATH" {
        make_bundle "$BUNDLE" echo via-path
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output via-path
}

@test "cwd: the process starts in process.cwd, created if missing" {
        make_bundle "$BUNDLE" /init cwd
        spec_set '.process.cwd = "/tmp"'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output /tmp
        spec_set '.process.cwd = "/new/dir"'
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
        assert_output /new/dir
}

@test "user: uid, gid and additionalGids" {
        make_bundle "$BUNDLE" /init status
        spec_set '.process.user = {uid: 1000, gid: 1001, additionalGids: [10, 20]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$'
        assert_line_match '^Gid:[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001$'
        assert_line_match '^Groups:[[:space:]]+10 20[[:space:]]*$'
}

@test "user: a non-root user has no effective capabilities" {
        make_bundle "$BUNDLE" /init status
        spec_set '.process.user = {uid: 1000, gid: 1000}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^CapEff:[[:space:]]+0000000000000000$'
}

@test "umask: process.user.umask" {
        make_bundle "$BUNDLE" /init umask
        spec_set '.process.user.umask = 63'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 0077
}

@test "rlimits: soft and hard limits are applied" {
        make_bundle "$BUNDLE" /init rlimits
        spec_set '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 1000},
                                      {type: "RLIMIT_CORE", soft: 0, hard: 4096},
                                      {type: "RLIMIT_NPROC", soft: 300, hard: 400}]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^RLIMIT_NOFILE soft=512 hard=1000$'
        assert_line_match '^RLIMIT_CORE soft=0 hard=4096$'
        assert_line_match '^RLIMIT_NPROC soft=300 hard=400$'
}

@test "rlimits: the caller's hard limit cannot be exceeded without CAP_SYS_RESOURCE" {
        if grep -q '^CapEff:.*' /proc/self/status && \
                (( (0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24) & 1 )); then
                skip "this host has CAP_SYS_RESOURCE"
        fi
        local hard
        hard=$(ulimit -Hn)
        [ "$hard" != unlimited ] || skip "no hard NOFILE limit"
        make_bundle "$BUNDLE" /init rlimits
        spec_set '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: ($h + 1), hard: ($h + 1)}]' \
                --argjson h "$hard"
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "rlimits: an unknown rlimit type is refused" {
        make_bundle "$BUNDLE" /init true
        spec_set '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "noNewPrivileges: true sets NoNewPrivs, false leaves it clear" {
        make_bundle "$BUNDLE" /init status
        spec_set '.process.noNewPrivileges = true'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^NoNewPrivs:[[:space:]]+1$'
        spec_set '.process.noNewPrivileges = false'
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
        assert_line_match '^NoNewPrivs:[[:space:]]+0$'
}

@test "oomScoreAdj: written to the process" {
        make_bundle "$BUNDLE" /init cat /proc/self/oom_score_adj
        spec_set '.process.oomScoreAdj = 500'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 500
}

@test "capabilities: the default 14 capabilities (0xa80425fb)" {
        make_bundle "$BUNDLE" /init caps
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^CapEff:[[:space:]]+00000000a80425fb$'
        assert_line_match '^CapPrm:[[:space:]]+00000000a80425fb$'
        assert_line_match '^CapBnd:[[:space:]]+00000000a80425fb$'
        assert_line_match '^CapInh:[[:space:]]+0000000000000000$'
        assert_line_match '^CapAmb:[[:space:]]+0000000000000000$'
}

@test "capabilities: sets are applied separately (bounding, effective, permitted, inheritable, ambient)" {
        make_bundle "$BUNDLE" /init caps
        spec_set '.process.capabilities = {
                bounding: ["CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
                effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                inheritable: ["CAP_NET_BIND_SERVICE"],
                ambient: ["CAP_NET_BIND_SERVICE"]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        # CAP_CHOWN=0 (1), CAP_KILL=5 (0x20), CAP_NET_BIND_SERVICE=10 (0x400)
        assert_line_match '^CapBnd:[[:space:]]+0000000000000421$'
        assert_line_match '^CapEff:[[:space:]]+0000000000000420$'
        assert_line_match '^CapPrm:[[:space:]]+0000000000000420$'
        assert_line_match '^CapInh:[[:space:]]+0000000000000400$'
        assert_line_match '^CapAmb:[[:space:]]+0000000000000400$'
}

@test "capabilities: none at all" {
        make_bundle "$BUNDLE" /init caps
        spec_set '.process.capabilities = {bounding: [], effective: [], permitted: []}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^CapEff:[[:space:]]+0000000000000000$'
        assert_line_match '^CapBnd:[[:space:]]+0000000000000000$'
}

@test "capabilities: an unknown capability is a warning, not an error (runtime-spec 1.1)" {
        # config.md: a capability that cannot be mapped or granted MUST be logged as a
        # warning; runtimes SHOULD NOT fail.
        make_bundle "$BUNDLE" /init caps
        spec_set '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^CapBnd:[[:space:]]+00000000a80425fb$'
}

@test "exec: --cwd, --env, --user, --cap" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        run rt exec --cwd /tmp "$CID" /init cwd
        assert_status 0
        assert_output /tmp
        run rt exec --env FOO=exec-env --env BAR=2 "$CID" /init env
        assert_status 0
        assert_line_match '^FOO=exec-env$'
        assert_line_match '^BAR=2$'
        run rt exec --user 1000:1000 "$CID" /init status
        assert_status 0
        assert_line_match '^Uid:[[:space:]]+1000[[:space:]]'
        assert_line_match '^Gid:[[:space:]]+1000[[:space:]]'
        run rt exec -e SHORT=1 "$CID" /init env
        assert_status 0
        assert_line_match '^SHORT=1$'
        # --cap adds CAP_SYS_ADMIN (bit 21) to a process that would not have it.
        run rt exec --cap CAP_SYS_ADMIN "$CID" /init caps
        assert_status 0
        local bnd
        bnd=$(awk '/^CapBnd/ {print $2}' <<<"$output")
        (( (0x$bnd >> 21) & 1 )) || fail "CAP_SYS_ADMIN not in the bounding set: $bnd"
}

@test "terminal: exec -t gives the process a tty" {
        command -v script >/dev/null || berth_skip "script(1) missing"
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        local cmd
        cmd="$(printf '%q ' "$RUNTIME" --root "$TEST_STATE" exec -t "$CID" /init isatty)"
        run script -qec "$cmd" /dev/null </dev/null
        assert_status 0
        assert_line_match 'stdin=1 stdout=1 stderr=1'
        run rt exec "$CID" /init isatty </dev/null
        assert_status 0
        assert_line_match 'stdin=0 stdout=0 stderr=0'
}

@test "terminal: run with process.terminal under a tty" {
        command -v script >/dev/null || berth_skip "script(1) missing"
        make_bundle "$BUNDLE" /init isatty
        spec_set '.process.terminal = true'
        local cmd
        cmd="$(printf '%q ' "$RUNTIME" --root "$TEST_STATE" run --bundle "$BUNDLE" "$CID")"
        run script -qec "$cmd" /dev/null </dev/null
        assert_status 0
        assert_line_match 'stdin=1 stdout=1 stderr=1'
}

@test "terminal: create without --console-socket is refused" {
        make_bundle "$BUNDLE" /init isatty
        spec_set '.process.terminal = true'
        run rt create --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}
