#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Four pieces of the container issue: `system boot` (restart policies after a
# reboot), --runtime with another OCI runtime binary (crun, runc), `cp` against
# a container that swaps a directory for a symlink mid-copy, and `top` running
# ps without a shell. Real containers from a busybox rootfs imported with
# `berth import`; each test has its own BERTH_ROOT and BERTH_RUNROOT.

load helpers
bats_require_minimum_version 1.5.0

BERTH=${BERTH:-$BERTH_BUILD/src/berth/berth}

setup_file() {
        berth_busybox_tar
}

setup() {
        berth_setup
        [ -x "$BERTH" ] || berth_skip "berth not built at $BERTH"
        [ -s "$BATS_FILE_TMPDIR/busybox.tar" ] || berth_skip "no /bin/busybox (busybox-static)"
        BERTH_ROOT=$TEST_TMP/root
        BERTH_RUNROOT=$TEST_TMP/run
        export BERTH_ROOT BERTH_RUNROOT
        b import -c 'CMD ["sh"]' "$BATS_FILE_TMPDIR/busybox.tar" busybox:latest >/dev/null
}

teardown() {
        local id
        if [ -n "${BERTH_ROOT:-}" ]; then
                for id in $(b ps -aq --no-trunc 2>/dev/null); do b rm -f "$id" >/dev/null 2>&1 || true; done
                kill -9 $(shims_of_root) 2>/dev/null || true
        fi
        berth_teardown
}

b() {
        timeout 60 "$BERTH" "$@"
}

# The pids of the supervisors serving this test's root (found, never killed, by name).
shims_of_root() {
        pgrep -f -- "berth-shim --root $BERTH_ROOT " || true
}

# ---- system boot

@test "system boot: after a reboot, starts always and unless-stopped containers, not the others" {
        local id pids="" m shims p
        b run -d --name always --restart always busybox sleep 300 >/dev/null
        b run -d --name unless --restart unless-stopped busybox sleep 300 >/dev/null
        b run -d --name plain busybox sleep 300 >/dev/null
        b run -d --name stopped --restart unless-stopped busybox sleep 300 >/dev/null
        b create --name created --restart always busybox sleep 300 >/dev/null
        b stop -t 1 stopped >/dev/null
        for id in always unless plain; do pids="$pids $(b inspect -f '{{.State.Pid}}' "$id")"; done
        # The machine goes down: supervisors, container processes, the tmpfs runroot, every mount.
        shims=$(shims_of_root)
        kill -9 $shims
        for p in $pids; do [ "$p" = 0 ] || kill -9 "$p" 2>/dev/null || true; done
        # Wait (bounded) until they are dead, not for a time: a loaded machine may not have run them yet.
        for p in $pids $shims; do
                for _ in $(seq 100); do
                        [ -r "/proc/$p/stat" ] && ! awk '{exit $3 == "Z" ? 0 : 1}' "/proc/$p/stat" 2>/dev/null || break
                        sleep 0.1
                done
        done
        # A reboot drops the mounts of the runroot too (network namespaces bound under it).
        grep -F " $BERTH_RUNROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m"
        done
        rm -rf "${BERTH_RUNROOT:?}"/*
        grep -F " $BERTH_ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m"
        done
        run b system boot
        assert_status 0
        [ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "always unless " ] || fail "started: $output"
        run b ps --format '{{.Names}} {{.Status}}'
        assert_line_match '^always Up '
        assert_line_match '^unless Up '
        [ "${#lines[@]}" = 2 ] || fail "more running: $output"
        run b ps -a --format '{{.Names}} {{.Status}}'
        assert_line_match '^plain Exited \(255\) '
        assert_line_match '^stopped Exited \(137\) |^stopped Exited \(143\) '
        assert_line_match '^created Created$'
        # Running again: a second boot changes nothing.
        run b system boot
        assert_status 0
        assert_output ''
        run b system boot --help
        assert_status 0
        [[ "$output" == *"Usage:"*"system boot"* ]] || fail "help: $output"
}

# ---- top

@test "top: ps -ef by default, the user's ps options as argv words (no shell)" {
        b run -d --name topc busybox sleep 300 >/dev/null
        run b top topc
        assert_status 0
        assert_line_match '^UID +PID +PPID '
        assert_line_match 'sleep 300$'
        [ "${#lines[@]}" = 2 ] || fail "not header + one process: $output"
        run b top topc -o pid,args
        assert_status 0
        assert_line_match '^ *PID COMMAND$'
        # A shell would run the second command; ps gets `;touch ...` as an argument and fails instead.
        run b top topc -ef ";touch $TEST_TMP/pwned"
        [ ! -e "$TEST_TMP/pwned" ] || fail "the arguments went through a shell"
}

# ---- --runtime: another OCI runtime binary

# crun and runc state of this test's runroot: no container left.
assert_runtime_empty() {
        local rt=$1 left
        left=$("$rt" --root "$BERTH_RUNROOT/runtime-$(basename "$rt")" list -q 2>/dev/null || true)
        [ -z "$left" ] || fail "$rt still knows: $left"
        ! grep -F " $BERTH_ROOT/" /proc/self/mountinfo || fail "mounts left under $BERTH_ROOT"
}

@test "--runtime crun and runc: run --rm, exit codes, -d, exec, top, stop, rm" {
        local rt id
        command -v crun >/dev/null || berth_skip "no crun"
        command -v runc >/dev/null || berth_skip "no runc"
        ensure_crun_cgroups
        for rt in crun runc; do
                run b run --rm --runtime "$rt" busybox echo ok
                assert_status 0
                assert_output ok
                run b run --rm --runtime "$rt" busybox sh -c 'exit 3'
                assert_status 3
                run b ps -a -q
                assert_output ''
                id=$(b run -d --runtime "$rt" --name "d$rt" busybox sleep 300)
                run b inspect -f '{{.HostConfig.Runtime}} {{.State.Running}}' "d$rt"
                assert_output "$rt true"
                run "$rt" --root "$BERTH_RUNROOT/runtime-$rt" state "$id"
                assert_status 0
                [[ "$output" == *'"status": "running"'* ]] || fail "$rt state: $output"
                run b exec -e FOO=bar -w /tmp -u nobody "d$rt" sh -c 'echo $FOO $(pwd) $(id -u)'
                assert_status 0
                assert_output 'bar /tmp 65534'
                run b exec "d$rt" sh -c 'exit 5'
                assert_status 5
                run b top "d$rt"
                assert_status 0
                assert_line_match 'sleep 300$'
                run b stop -t 1 "d$rt"
                assert_status 0
                run b ps -a --format '{{.Names}} {{.Status}}'
                assert_line_match "^d$rt Exited \\(137\\) "
                run b rm "d$rt"
                assert_status 0
                assert_runtime_empty "$rt"
        done
        run b run --rm --runtime /no/such/runtime busybox true
        [ "$status" -ne 0 ] || fail "a missing runtime ran"
}

# ---- cp

@test "cp: both directions, files and directories, new names, stdin/stdout tar" {
        local w=$TEST_TMP/w
        mkdir -p "$w/ex" "$w/hd"
        b run -d --name cpc busybox sh -c 'mkdir -p /data/sub; echo hello >/data/x; echo deep >/data/sub/y;
                ln -s /etc/passwd /data/lnk; chown 65534:65534 /data/x; touch /ready; sleep 300' >/dev/null
        for _ in $(seq 50); do b exec cpc test -e /ready && break; sleep 0.1; done
        # Out: a file into a directory, to a new name; a directory into one, to a new name.
        b cp cpc:/data/x "$w/"
        [ "$(cat "$w/x")" = hello ] || fail "x: $(cat "$w/x")"
        [ "$(stat -c %u "$w/x")" = 0 ] || fail "without -a the copy is the caller's"
        b cp -a cpc:/data/x "$w/xa"
        [ "$(stat -c %u "$w/xa")" = 65534 ] || fail "-a keeps the owner"
        b cp cpc:/data/x "$w/renamed"
        [ "$(cat "$w/renamed")" = hello ] || fail renamed
        b cp cpc:/data "$w/ex"
        [ "$(cat "$w/ex/data/sub/y")" = deep ] || fail "ex/data/sub/y"
        [ "$(readlink "$w/ex/data/lnk")" = /etc/passwd ] || fail "the symlink is copied as a symlink"
        b cp cpc:/data "$w/newdir"
        [ "$(cat "$w/newdir/x")" = hello ] || fail "newdir/x"
        run b cp cpc:/nope "$w/"
        assert_status 1
        assert_output 'berth: Could not find the file /nope in container'
        # Out to stdout: a tar of the one entry.
        run bash -c "timeout 60 $BERTH cp cpc:/data - | tar -tf - | sort"
        assert_output "$(printf 'data/\ndata/lnk\ndata/sub/\ndata/sub/y\ndata/x')"
        # -L: the link's target, resolved in the container (its passwd, not the host's), under the link's name.
        b cp -L cpc:/data/lnk "$w/"
        [ ! -L "$w/lnk" ] || fail "-L copied the link"
        cmp -s "$w/lnk" "$BATS_FILE_TMPDIR/bbroot/etc/passwd" || fail "-L: $(cat "$w/lnk")"
        b exec cpc ln -s /data /dl
        b cp -L cpc:/dl "$w/dl-out"
        [ "$(cat "$w/dl-out/x")" = hello ] || fail "-L of a link to a directory"
        # In: a file and a directory into a directory, a file to a new name, over a file, a tar on stdin.
        echo host >"$w/hf"
        echo z >"$w/hd/z"
        b cp "$w/hf" cpc:/data/
        b cp "$w/hd" cpc:/data/
        b cp "$w/hf" cpc:/data/newname
        b cp "$w/hd" cpc:/newdir
        b cp "$w/hf" cpc:/data/x
        tar -C "$w" -cf - hf hd | b cp - cpc:/tmp
        run b exec cpc sh -c 'cat /data/hf /data/hd/z /data/newname /newdir/z /data/x /tmp/hf /tmp/hd/z'
        assert_output "$(printf 'host\nz\nhost\nz\nhost\nhost\nz')"
        # The container's symlink is its own: /data/lnk -> /etc/passwd is the container's passwd.
        b cp cpc:/data/lnk/ "$w/lnk-out" 2>/dev/null || true
        ! grep -q "$(head -1 /etc/shadow 2>/dev/null || echo no-shadow-line)" -r "$w" || fail "host file leaked"
}

@test "cp: a container swapping a directory for a symlink mid-copy never makes berth leave its root" {
        local hostdir=$TEST_TMP/hostdir w=$TEST_TMP/w i n_ok=0 n_swapped=0 name=berth-cp-sentinel-$$ before after
        mkdir -p "$hostdir" "$w"
        echo HOSTSECRET >"$hostdir/x"
        echo untouched >"$hostdir/sentinel"
        before=$(stat -c %y "$hostdir"; ls -l --time-style=+%s.%N "$hostdir"; cat "$hostdir"/*)
        # /data flips between a directory, a symlink to / and a symlink to the host directory's path.
        b run -d --name swap busybox sh -c "mkdir -p /data; echo INSIDE >/data/x; echo ROOTX >/x
                while :; do mv /data /d1; ln -s / /data; rm /data; ln -s $hostdir /data; rm /data
                mv /d1 /data; done" >/dev/null
        echo FROMHOST >"$w/$name"
        for i in $(seq 150); do
                if timeout 60 "$BERTH" cp swap:/data/x "$w/out$i" 2>/dev/null; then
                        n_ok=$((n_ok + 1))
                        case "$(cat "$w/out$i")" in
                        INSIDE) ;;
                        ROOTX) n_swapped=$((n_swapped + 1)) ;; # /data -> / resolved in the container's root
                        *) fail "copy $i read outside the container: $(cat "$w/out$i")" ;;
                        esac
                fi
                timeout 60 "$BERTH" cp "$w/$name" swap:/data/ 2>/dev/null || true
                timeout 60 "$BERTH" cp swap:/data "$w/dir$i" 2>/dev/null || true
                [ ! -L "$w/dir$i" ] || n_swapped=$((n_swapped + 1)) # the symlink itself, copied as one
                # A copy of /data while it is a symlink is that symlink: find (-P) does not follow it.
                [ -z "$(find "$w/dir$i" -type f -exec grep -l HOSTSECRET {} + 2>/dev/null)" ] ||
                        fail "a host file leaked into copy $i"
        done
        [ "$n_ok" -gt 0 ] || fail "no copy ever succeeded"
        [ "$n_swapped" -gt 0 ] || fail "the copies never met the swapped /data: the race was not exercised"
        after=$(stat -c %y "$hostdir"; ls -l --time-style=+%s.%N "$hostdir"; cat "$hostdir"/*)
        [ "$before" = "$after" ] || fail "the host directory changed: $after"
        [ ! -e "/$name" ] || { rm -f "/$name"; fail "written into the host's /"; }
        # The writes that went through landed inside the container.
        run b exec swap sh -c "cat /$name /data/$name /d1/$name 2>/dev/null | sort -u"
        assert_output FROMHOST
}

# ---- stats

# stats_of CONTAINER FIELD: one --no-stream value.
stats_of() {
        b stats --no-stream --format "{{.$2}}" "$1"
}

@test "stats --no-stream: docker's columns, every format field, CPU % of a busy container" {
        local id cpu i
        id=$(b run -d --name burn busybox sh -c 'while :; do :; done')
        b run -d --name idle --network none busybox sleep 300 >/dev/null
        run b stats --no-stream
        assert_status 0
        [ "$(printf '%s\n' "$output" | head -1 | tr -s ' ')" = \
                "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS" ] ||
                fail "header: $output"
        assert_line_match "^${id:0:12} +burn +[0-9]+\.[0-9]{2}% +[0-9.]+[KMG]?i?B / [0-9.]+[KMGT]iB +[0-9]+\.[0-9]{2}% "
        run b stats --no-stream --format \
                '{{.Container}}|{{.Name}}|{{.ID}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}' \
                idle
        assert_status 0
        [[ "$output" =~ ^idle\|idle\|[0-9a-f]{12}\|[0-9]+\.[0-9]{2}%\|[0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]iB\|[0-9]+\.[0-9]{2}%\|0B\ /\ 0B\|[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\|1$ ]] ||
                fail "format fields: $output"
        run b stats --no-stream --no-trunc --format '{{.ID}}' burn
        assert_output "$id"
        # The busy loop shows some CPU (a loaded machine may starve it for a while: poll).
        for i in $(seq 40); do
                cpu=$(stats_of burn CPUPerc)
                [ "${cpu%%.*}" -gt 0 ] && break
        done
        [ "${cpu%%.*}" -gt 0 ] || fail "CPU % of a busy loop: $cpu"
        # A stopped container is only shown with -a, all zeros.
        b stop -t 0 burn >/dev/null
        run b stats --no-stream --format '{{.Name}}'
        assert_output "idle"
        run b stats -a --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}'
        assert_line_match '^burn 0\.00% 0B / 0B 0$'
        run b stats --no-stream nosuch
        assert_status 1
}

@test "stats --no-stream: NET I/O of the container's interfaces, BLOCK I/O of direct writes into a volume" {
        local pid id dev cg i v
        id=$(b run -d --name io --network none -v statvol:/d busybox sleep 300)
        run stats_of io NetIO
        assert_output "0B / 0B"
        # An interface pair inside the container's own namespace: its traffic counts, lo's does not.
        pid=$(b inspect -f '{{.State.Pid}}' io)
        nsenter -t "$pid" -n sh -c 'ip link add va type veth peer name vb && ip addr add 10.99.0.1/24 dev va &&
                ip link set va up && ip link set vb up' || berth_skip "no veth in a container's namespace"
        b exec io ping -c 2 -W 1 10.99.0.2 >/dev/null 2>&1 || true
        for i in $(seq 50); do
                v=$(stats_of io NetIO)
                [ "$v" != "0B / 0B" ] && break
                sleep 0.1
        done
        [[ "$v" =~ ^[1-9][0-9.]*[kMG]?B\ /\ [1-9][0-9.]*[kMG]?B$ ]] || fail "NET I/O after traffic: $v"
        # cgroup v1 blkio accounts a cgroup's I/O only once it has a throttle rule: give it a harmless one.
        dev=$(findmnt -no MAJ:MIN -T "$BERTH_ROOT" | tr -d " ") || true
        [ -n "$dev" ] && [ -e "/sys/dev/block/$dev" ] || berth_skip "the volume is not on a block device"
        [ -e "/sys/dev/block/$dev/partition" ] && dev=$(cat "/sys/dev/block/$dev/../dev")
        cg=$(awk -F: '$2 == "blkio" {print $3}' "/proc/$pid/cgroup")
        if [ -n "$cg" ]; then
                echo "$dev 1000000000000" >"/sys/fs/cgroup/blkio$cg/blkio.throttle.write_bps_device" ||
                        berth_skip "cannot set a blkio rule on $dev"
        fi
        run stats_of io BlockIO
        assert_output "0B / 0B"
        b exec io dd if=/dev/zero of=/d/f bs=1M count=4 oflag=direct 2>/dev/null
        for i in $(seq 50); do
                v=$(stats_of io BlockIO)
                [ "$v" != "0B / 0B" ] && break
                sleep 0.1
        done
        [[ "$v" =~ ^[0-9.]+[kMG]?B\ /\ [0-9.]+MB$ ]] || fail "BLOCK I/O after a 4 MiB direct write: $v"
        [ "${v#* / }" != "0B" ] || fail "no bytes written: $v"
}

# ---- start-up cost

@test "the CLI loads libarchive, libcrypto and libnftables at first use only; save, load, export still work" {
        local needed id
        needed=$(readelf -d "$BERTH" | grep NEEDED) || berth_skip "no readelf"
        [[ "$needed" != *libarchive* && "$needed" != *libcrypto* && "$needed" != *libnftables* ]] ||
                fail "linked eagerly: $needed"
        # Every library behind the forwarders is loaded when used.
        run b save busybox -o "$TEST_TMP/bb.tar"
        assert_status 0
        tar -tf "$TEST_TMP/bb.tar" | grep -q '^index.json$' || fail "save wrote no OCI layout"
        id=$(b create busybox sh)
        b export "$id" | tar -t | grep -q '^bin/busybox$' || fail "export wrote no rootfs"
        b rmi -f busybox >/dev/null
        run b load -i "$TEST_TMP/bb.tar"
        assert_status 0
        b image inspect busybox >/dev/null || fail "load did not bring busybox back: $output"
}
