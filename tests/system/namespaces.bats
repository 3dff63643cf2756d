#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Namespaces: uts (hostname, domainname), pid, user (uid/gid mappings), joining
# an existing namespace by path, sharing the host's namespace when one is absent.

load helpers

setup() {
        berth_setup
        require_runtime
}

@test "uts: hostname and domainname" {
        make_bundle "$BUNDLE" /init hostname
        spec_set '.hostname = "box-one" | .domainname = "example.test"'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^hostname=box-one$'
        # runc 1.1 predates the domainname field (runtime-spec 1.0.2); the spec wins.
        runtime_is runc || assert_line_match '^domainname=example.test$'
        # The host's name is untouched.
        [ "$(uname -n)" != box-one ]
}

@test "uts: hostname without a uts namespace is refused" {
        make_bundle "$BUNDLE" /init hostname
        spec_set '.hostname = "nope" | .linux.namespaces |= map(select(.type != "uts"))'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
        [ "$(uname -n)" != nope ]
}

@test "pid: the process is pid 1 of a new pid namespace" {
        make_bundle "$BUNDLE" /init pid
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 1
}

@test "namespaces: each one configured is new, others are the host's" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        local pid ns
        pid=$(rt_state_field "$CID" pid)
        for ns in pid net ipc uts mnt; do
                [ "$(readlink "/proc/$pid/ns/$ns")" != "$(readlink /proc/self/ns/$ns)" ] \
                        || fail "namespace $ns is shared with the host"
        done
        for ns in user; do
                [ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink /proc/self/ns/$ns)" ] \
                        || fail "namespace $ns is not the host's"
        done
}

@test "network: a new network namespace has only lo" {
        make_bundle "$BUNDLE" /init ls /sys/class/net
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output lo
}

@test "network: join a namespace by path (ip netns)" {
        skip_unless "ip netns unavailable" command -v ip
        local netns="berth-test-$$-$RANDOM"
        ip netns add "$netns" || berth_skip "cannot create a network namespace"
        # A veth pair made inside the namespace (the dummy module may be absent).
        ip -n "$netns" link add berthdummy0 type veth peer name berthpeer0 \
                || { ip netns del "$netns"; berth_skip "cannot create a veth pair"; }
        make_bundle "$BUNDLE" /init ls /sys/class/net
        spec_set '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
                --arg p "/var/run/netns/$netns"
        run rt run --bundle "$BUNDLE" "$CID"
        ip netns del "$netns"
        assert_status 0
        assert_line_match '^berthdummy0$'
        assert_line_match '^lo$'
}

@test "namespaces: a path that is not a namespace is refused" {
        make_bundle "$BUNDLE" /init true
        spec_set '.linux.namespaces |= map(if .type == "network" then .path = "/etc/passwd" else . end)'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "user: uidMappings and gidMappings are written" {
        make_bundle "$BUNDLE" /init uidmap
        spec_set '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
        chown -R 100000:200000 "$BUNDLE/rootfs"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^[[:space:]]*0[[:space:]]+100000[[:space:]]+65536$'
        assert_line_match '^[[:space:]]*0[[:space:]]+200000[[:space:]]+65536$'
}

@test "user: root in the container is unprivileged on the host" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
        chown -R 100000:100000 "$BUNDLE/rootfs"
        start_bg "$CID"
        local pid
        pid=$(rt_state_field "$CID" pid)
        grep -qE '^Uid:[[:space:]]+100000[[:space:]]' "/proc/$pid/status"
        run rt exec "$CID" /init status
        assert_status 0
        assert_line_match '^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]'
}

@test "ipc: a new ipc namespace has no host message queues" {
        make_bundle "$BUNDLE" /init ls /dev/mqueue
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output ""
}
