#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cgroups: limits from linux.resources land in the host cgroupfs of the
# container's process (v1 controller hierarchies or the unified one).

load helpers

setup() {
        berth_setup
        require_runtime
}

# cg_file CONTROLLER V1FILE V2FILE: the host file for the container's init.
cg_file() {
        local pid dir
        pid=$(rt_state_field "$CID" pid)
        dir=$(cgroup_path_of "$pid" "$1") || return 1
        if [ -e "$dir/$2" ]; then
                echo "$dir/$2"
        else
                echo "$dir/$3"
        fi
}

@test "cgroups: the container gets its own cgroup, removed by delete" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        local pid dir
        pid=$(rt_state_field "$CID" pid)
        dir=$(cgroup_path_of "$pid" pids)
        [ -d "$dir" ]
        [ "$dir" != /sys/fs/cgroup/pids ] && [ "$dir" != /sys/fs/cgroup/unified ]
        grep -qx "$pid" "$dir/cgroup.procs"
        rt delete --force "$CID"
        local i
        for i in $(seq 40); do
                [ -d "$dir" ] || break
                sleep 0.05
        done
        [ ! -d "$dir" ] || fail "cgroup $dir left behind"
}

@test "cgroups: cgroupsPath is honoured" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.cgroupsPath = $p' --arg p "/berth-test/$CID"
        start_bg "$CID"
        local pid
        pid=$(rt_state_field "$CID" pid)
        cgroup_path_of "$pid" memory | grep -q "/berth-test/$CID\$"
        rt delete --force "$CID"
        rmdir /sys/fs/cgroup/*/berth-test /sys/fs/cgroup/berth-test 2>/dev/null || true
}

@test "memory: limit" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.resources.memory = {limit: 67108864}'
        start_bg "$CID"
        local f
        f=$(cg_file memory memory.limit_in_bytes memory.max)
        [ "$(cat "$f")" = 67108864 ]
}

@test "pids: limit, and fork beyond it fails inside" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.resources.pids = {limit: 10}'
        start_bg "$CID"
        local f
        f=$(cg_file pids pids.max pids.max)
        [ "$(cat "$f")" = 10 ]
        run rt exec "$CID" /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; wait'
        assert_line_match 'can.t fork|Resource temporarily unavailable|Try again'
}

@test "cpu: shares and quota" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.resources.cpu = {shares: 512, quota: 50000, period: 100000}'
        start_bg "$CID"
        local pid dir
        pid=$(rt_state_field "$CID" pid)
        dir=$(cgroup_path_of "$pid" cpu)
        if [ -e "$dir/cpu.shares" ]; then
                [ "$(cat "$dir/cpu.shares")" = 512 ]
                [ "$(cat "$dir/cpu.cfs_quota_us")" = 50000 ]
                [ "$(cat "$dir/cpu.cfs_period_us")" = 100000 ]
        else
                # v2: shares are converted to a weight; quota and period in cpu.max.
                [ "$(cat "$dir/cpu.max")" = "50000 100000" ]
                [ "$(cat "$dir/cpu.weight")" -ne 100 ]
        fi
}

@test "update: --memory changes the limit of a running container" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.resources.memory = {limit: 67108864}'
        start_bg "$CID"
        rt update --memory 134217728 "$CID"
        local f
        f=$(cg_file memory memory.limit_in_bytes memory.max)
        [ "$(cat "$f")" = 134217728 ]
}

@test "update: --pids-limit" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        rt update --pids-limit 42 "$CID"
        local f
        f=$(cg_file pids pids.max pids.max)
        [ "$(cat "$f")" = 42 ]
}

@test "memory: a process over the limit is OOM-killed" {
        make_bundle "$BUNDLE" /bin/sh -c 'x=a; while :; do x="$x$x"; done'
        spec_set '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
        run rt run --bundle "$BUNDLE" "$CID"
        # Killed by SIGKILL: 137.
        assert_status 137
}
