#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Security regressions, one class per test: CVE-2019-5736 (/proc/self/exe),
# fd leaks into the container (CVE-2024-21626), hostile symlinks in the rootfs,
# sysctl injection.

load helpers

setup() {
        berth_setup
        require_runtime
}

@test "CVE-2019-5736: the container cannot open the runtime binary for writing during exec" {
        # Attack a copy: if the attack works, O_TRUNC empties the binary it opened.
        cp "$RUNTIME" "$TEST_TMP/runtime-copy"
        local rtc="$TEST_TMP/runtime-copy" sum_before sum_after
        sum_before=$(sha256sum <"$rtc")
        make_bundle "$BUNDLE" /init attack-exe 8
        # A strong attacker: CAP_SYS_PTRACE lets it see /proc/PID/exe of the runtime even
        # while the runtime is non-dumpable, so only the sealed copy can stop it.
        spec_set '.process.capabilities |= map_values(. + ["CAP_SYS_PTRACE"])'
        "$rtc" --root "$TEST_STATE" create --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/attack.out" 2>&1
        "$rtc" --root "$TEST_STATE" start "$CID"
        wait_for_file "$TEST_TMP/attack.out"
        local end=$((SECONDS + 7)) n=0
        while [ $SECONDS -lt $end ]; do
                "$rtc" --root "$TEST_STATE" exec "$CID" /init true >/dev/null 2>&1 || true
                n=$((n + 1))
        done
        local i
        for i in $(seq 60); do
                grep -q 'ATTACK-' <(grep -v READY "$TEST_TMP/attack.out") && break
                sleep 0.1
        done
        sum_after=$(sha256sum <"$rtc")
        echo "execs: $n; payload: $(tr '\n' ' ' <"$TEST_TMP/attack.out")" >&2
        ! grep -q ATTACK-SUCCEEDED "$TEST_TMP/attack.out" || fail "$(cat "$TEST_TMP/attack.out")"
        grep -q 'ATTACK-FAILED' "$TEST_TMP/attack.out"
        [ "$sum_before" = "$sum_after" ] || fail "the runtime binary changed"
        "$rtc" --root "$TEST_STATE" delete --force "$CID" >/dev/null 2>&1 || true
}

@test "fd leak: the container's init has only stdio open" {
        make_bundle "$BUNDLE" /init fds
        run rt run --bundle "$BUNDLE" "$CID" </dev/null
        assert_status 0
        local fds
        fds=$(awk '{print $1}' <<<"$output" | sort -n | tr '\n' ' ')
        [ "$fds" = "0 1 2 " ] || fail "open fds: $output"
}

@test "fd leak: an exec'd process has only stdio open, /proc/1/fd only stdio" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        run rt exec "$CID" /init fds </dev/null
        assert_status 0
        local fds
        fds=$(awk '{print $1}' <<<"$output" | sort -n | tr '\n' ' ')
        [ "$fds" = "0 1 2 " ] || fail "open fds: $output"
        run rt exec "$CID" /init ls /proc/1/fd
        assert_status 0
        [ "$(tr '\n' ' ' <<<"$output")" = "0 1 2 " ] || fail "init fds: $output"
}

@test "fd leak: process.cwd /proc/self/fd/N does not reach the host (N=3..20)" {
        make_bundle "$BUNDLE" /init cwd
        local n
        for n in $(seq 3 20); do
                spec_set '.process.cwd = $c' --arg c "/proc/self/fd/$n"
                run rt run --bundle "$BUNDLE" "$(new_cid)"
                if [ "$status" -eq 0 ]; then
                        [[ "$output" == /* ]] && [[ "$output" != *unreachable* ]] \
                                || fail "cwd /proc/self/fd/$n escaped: $output"
                        [[ "$output" != /tmp/berth-test.* ]] || fail "cwd $n is the host's: $output"
                fi
        done
}

@test "fd leak: exec --cwd /proc/self/fd/N does not reach the host (N=3..20)" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        local n
        for n in $(seq 3 20); do
                run rt exec --cwd "/proc/self/fd/$n" "$CID" /init cwd
                if [ "$status" -eq 0 ]; then
                        [[ "$output" == /* ]] && [[ "$output" != *unreachable* ]] \
                                || fail "exec --cwd /proc/self/fd/$n escaped: $output"
                fi
        done
}

@test "symlink rootfs: dev/null -> /proc/sys/kernel/core_pattern does not write the host's" {
        local before
        before=$(cat /proc/sys/kernel/core_pattern)
        make_bundle "$BUNDLE" /init true
        rm -rf "$BUNDLE/rootfs/dev"
        mkdir "$BUNDLE/rootfs/dev"
        ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
        # Without the /dev tmpfs the runtime meets the rootfs' own /dev.
        spec_set '.mounts |= map(select(.destination | startswith("/dev") | not))'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ] || {
                echo "$before" >/proc/sys/kernel/core_pattern
                fail "host core_pattern changed"
        }
        # With the default mounts too.
        make_bundle "$BUNDLE" /init true
        ln -sf /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
}

@test "symlink rootfs: a masked path that is a symlink to a host file is not followed out" {
        local target="$TEST_TMP/host-secret"
        echo secret >"$target"
        make_bundle "$BUNDLE" /init cat /etc/masked
        ln -s "$target" "$BUNDLE/rootfs/etc/masked"
        spec_set '.linux.maskedPaths += ["/etc/masked"]'
        run rt run --bundle "$BUNDLE" "$CID"
        # Resolved inside the rootfs the link dangles; the host file stays intact.
        [ "$(cat "$target")" = secret ]
        refute_line_match '^secret$'
}

@test "symlink rootfs: a bind destination symlinked to the host's /etc stays inside" {
        mkdir -p "$TEST_TMP/src"
        echo x >"$TEST_TMP/src/berth-bind-escape"
        make_bundle "$BUNDLE" /init true
        ln -s /etc "$BUNDLE/rootfs/hostetc"
        spec_set '.mounts += [{destination: "/hostetc/berth-bind-escape", type: "bind",
                source: ($s + "/berth-bind-escape"), options: ["bind"]}]' --arg s "$TEST_TMP/src"
        run rt run --bundle "$BUNDLE" "$CID"
        [ ! -e /etc/berth-bind-escape ] || { rm -f /etc/berth-bind-escape; fail "bind escaped to /etc"; }
}

@test "sysctl: a namespaced key is applied inside only" {
        make_bundle "$BUNDLE" /init cat /proc/sys/net/ipv4/ip_unprivileged_port_start
        local host
        host=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
        spec_set '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "42"}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 42
        [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = "$host" ]
}

@test "sysctl: a non-namespaced key (kernel.core_pattern) is refused" {
        local before
        before=$(cat /proc/sys/kernel/core_pattern)
        make_bundle "$BUNDLE" /init true
        spec_set '.linux.sysctl = {"kernel.core_pattern": "|/bin/berth-pwned"}'
        run rt run --bundle "$BUNDLE" "$CID"
        local now
        now=$(cat /proc/sys/kernel/core_pattern)
        [ "$now" = "$before" ] || { echo "$before" >/proc/sys/kernel/core_pattern; fail "core_pattern set"; }
        [ "$status" -ne 0 ]
}

@test "sysctl: a key with .. is refused" {
        make_bundle "$BUNDLE" /init true
        spec_set '.linux.sysctl = {"net/../../kernel/core_pattern": "x", "net.ipv4...kernel.core_pattern": "y"}'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "sysctl: a value containing a newline is refused" {
        make_bundle "$BUNDLE" /init true
        spec_set '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "42\n1024"}'
        run rt run --bundle "$BUNDLE" "$CID"
        # runc and crun write it (the kernel takes the first line); berth refuses it.
        if runtime_is runc || runtime_is crun; then
                skip "$(basename "$RUNTIME") accepts newlines in sysctl values"
        fi
        [ "$status" -ne 0 ]
}

@test "no_new_privs: a setuid binary does not gain privileges" {
        make_bundle "$BUNDLE" /init status
        cp "$BUNDLE/rootfs/init" "$BUNDLE/rootfs/suid-init"
        chmod 4755 "$BUNDLE/rootfs/suid-init"
        spec_set '.process.args = ["/suid-init", "status"] | .process.user = {uid: 1000, gid: 1000}
                  | .process.noNewPrivileges = true'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]'
}
