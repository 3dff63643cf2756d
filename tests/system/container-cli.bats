#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The berth container commands against docker's behaviour, output and exit
# codes: run/create flags, start/stop/kill/rm, ps columns and filters, logs,
# export, diff, commit, volumes, resources. Real containers from a busybox
# rootfs imported with `berth import`, each test in its own store.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
        berth_busybox_tar
}

setup() {
        berth_store_setup
}

teardown() {
        local id
        for id in $(b2 ps -aq --no-trunc 2>/dev/null); do b2 rm -f "$id" >/dev/null 2>&1 || true; done
        berth_store_teardown
}

b2() {
        timeout 60 "$BERTH" --root "$TEST_TMP/root2" --runroot "$TEST_TMP/run2" "$@"
}

@test "run: the command's exit code, 127 for a missing command, options after the image are the command's" {
        run b run --rm busybox sh -c 'echo out; exit 0'
        assert_status 0
        assert_output out
        run b run --rm busybox sh -c 'exit 42'
        assert_status 42
        run -127 b run --rm busybox /no/such/cmd
        [[ "$output" == *"no such file or directory"* ]] || fail "message: $output"
        # The course's `docker run debian -d --name x sleep 5`: -d is the command.
        run -127 b run --rm busybox -d --name x sleep 1
        run b ps -a --format '{{.Names}}'
        refute_line_match '^x$'
}

@test "run: unknown image, bad flag, taken name: one line and docker's exit codes" {
        run b run --rm nosuchimage true
        assert_status 125
        assert_line_match "^Unable to find image 'nosuchimage:latest' locally$"
        run b run --pull never --rm nosuchimage true
        assert_status 125
        assert_line_match "No such image: nosuchimage:latest"
        run b run --bogus busybox true
        assert_status 125
        run b run -d --name taken busybox sleep 60
        assert_status 0
        run b run -d --name taken busybox sleep 60
        assert_status 125
        assert_line_match 'Conflict. The container name "/taken" is already in use by container'
        run b create --name 'bad name!' busybox true
        assert_status 125
}

@test "run -d prints the full id; logs; stop within the timeout; start again; kill; rm -f" {
        run b run -d --name sleeper busybox sh -c 'echo started; exec sleep 3600'
        assert_status 0
        [[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed: $output"
        id=$output
        # It prints once it runs: wait for that (bounded), not for a time.
        for _ in $(seq 100); do [ "$(b logs sleeper 2>&1)" = started ] && break; sleep 0.1; done
        run b logs sleeper
        assert_output started
        run b ps --format '{{.Names}} {{.State}}'
        assert_line_match '^sleeper running$'
        s=$(date +%s)
        run b stop -t 3 sleeper
        assert_status 0
        assert_output sleeper
        [ $(($(date +%s) - s)) -le 10 ]
        run b ps -a --format '{{.Names}}|{{.Status}}'
        assert_line_match '^sleeper\|Exited \(137\) '
        run b start sleeper
        assert_output sleeper
        run b inspect -f '{{.State.Running}} {{.Id}}' sleeper
        assert_output "true $id"
        run b kill sleeper
        assert_status 0
        run b wait sleeper
        assert_output 137
        run b run -d --name stubborn busybox sleep 3600
        run b rm stubborn
        assert_status 1
        [[ "$output" == *"container is running"* ]] || fail "$output"
        run b rm -f stubborn
        assert_status 0
        run b ps -a --format '{{.Names}}'
        refute_line_match '^stubborn$'
}

@test "create: generated names are unique adjective_surname; start -a shows the output; --rm removes" {
        a=$(b create busybox true)
        c=$(b create busybox true)
        n1=$(b inspect -f '{{.Name}}' "$a")
        n2=$(b inspect -f '{{.Name}}' "$c")
        [ "$n1" != "$n2" ]
        [[ "$n1" =~ ^/[a-z]+_[a-z]+$ ]] || fail "name $n1"
        run b ps -a --format '{{.Status}}' --filter "id=$a"
        assert_output Created
        id=$(b create busybox echo attached-out)
        run b start --attach "$id"
        assert_status 0
        assert_output attached-out
        run b run --rm --name gone busybox true
        assert_status 0
        run b ps -a --format '{{.Names}}'
        refute_line_match '^gone$'
}

@test "ps: docker's columns, truncated quoted command, -q -l -n, filters and --format" {
        b run --name first busybox sh -c 'exit 3' || true
        b run -d --name second -l app=web busybox sleep 300 >/dev/null
        run b ps
        assert_status 0
        [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]] \
                || fail "header: ${lines[0]}"
        [ "${#lines[@]}" -eq 2 ]
        [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +busybox\ +\"sleep\ 300\"\ +.*\ ago\ +Up\ .*second$ ]] \
                || fail "row: ${lines[1]}"
        run b ps -a --format '{{.Command}}|{{.Status}}' --filter name=first
        assert_output '"sh -c '"'"'exit 3'"'"'"|Exited (3) Less than a second ago' \
                || [[ "$output" =~ ^\"sh\ -c\ \'exit\ 3\'\"\|Exited\ \(3\)\ [0-9]+\ seconds?\ ago$ ]]
        b create --name long busybox sh -c 'echo a very long command line here' >/dev/null
        run b ps -a --filter name=long --format 'table {{.Command}}'
        assert_line_match '^"sh -c '"'"'echo a very …"$'
        run b ps -aq -f status=exited
        [ "${#lines[@]}" -eq 1 ]
        [ "$output" = "$(b inspect -f '{{.Id}}' first | cut -c1-12)" ]
        run b ps -q --no-trunc -f label=app=web
        assert_output "$(b inspect -f '{{.Id}}' second)"
        run b ps -lq
        assert_output "$(b inspect -f '{{.Id}}' long | cut -c1-12)"
        run b ps -n 2 --format '{{.Names}}'
        assert_output $'long\nsecond'
        run b ps -a -f exited=3 --format '{{.Names}}'
        assert_output first
        run b ps -a -f ancestor=busybox --format '{{.Names}}'
        [ "${#lines[@]}" -eq 3 ]
        run b ps -a -f before=second --format '{{.Names}}'
        assert_output first
        run b ps --format json
        [[ "$output" == *'"Names":"second"'* ]] || fail "$output"
        run b ps -f bogus=1
        assert_status 1
        assert_output "berth: invalid filter 'bogus'"
        # rm $(ps -aq -f status=exited) as in the course
        run b rm $(b ps -aq -f status=exited)
        assert_status 0
        run b ps -aq -f status=exited
        assert_output ""
}

@test "export -o (options after the container) is a tar of the whole filesystem" {
        id=$(b create busybox true)
        run b export "$id" -o "$TEST_TMP/c.tar"
        assert_status 0
        mkdir "$TEST_TMP/x"
        tar -C "$TEST_TMP/x" -xf "$TEST_TMP/c.tar"
        [ -e "$TEST_TMP/x/bin/sh" ]
        [ -d "$TEST_TMP/x/etc" ]
        b export "$id" | tar -t | grep -q 'bin/busybox'
}

@test "diff shows A/C/D; commit, save, load into a second store, run" {
        id=$(b run -d busybox sh -c 'echo x > /tmp/newfile; rm /etc/group; echo y >> /etc/passwd; sleep 30')
        # The changes are made once the container runs: wait for the last one (bounded).
        for _ in $(seq 100); do b diff "$id" | grep -qx 'C /etc/passwd' && break; sleep 0.1; done
        run b diff "$id"
        assert_status 0
        assert_line_match '^C /tmp$'
        assert_line_match '^A /tmp/newfile$'
        assert_line_match '^D /etc/group$'
        assert_line_match '^C /etc/passwd$'
        b rm -f "$id" >/dev/null
        b run --name src busybox sh -c 'echo copy from ubuntu to centos > /tmp/copyfile'
        run b commit -m msg -a me -c 'ENV X=1' src copy
        assert_status 0
        [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "commit printed $output"
        run b inspect -f '{{.Author}} {{.Config.Env}}' copy
        [[ "$output" == "me "*"X=1"* ]] || fail "$output"
        b run --rm copy cat /tmp/copyfile | grep -q "copy from ubuntu to centos"
        b save -o "$TEST_TMP/copy.tar" copy
        b2 load -i "$TEST_TMP/copy.tar" >/dev/null
        run b2 run --rm copy /bin/sh -c 'cat /tmp/copyfile'
        assert_output "copy from ubuntu to centos"
}

@test "-v host dir and a named volume; --hostname and pid 1; -e, -w, -u; exec" {
        mkdir -p "$TEST_TMP/share"
        echo from-host >"$TEST_TMP/share/f"
        run b run --rm -v "$TEST_TMP/share:/data" busybox sh -c 'cat /data/f && echo from-container > /data/g'
        assert_output from-host
        grep -q from-container "$TEST_TMP/share/g"
        b run --rm -v vol1:/v busybox sh -c 'echo kept > /v/k'
        run b run --rm -v vol1:/v busybox cat /v/k
        assert_output kept
        run b run --rm --hostname box1 busybox sh -c 'hostname; echo $$'
        assert_output $'box1\n1'
        run b run --rm -e A=1 -w /tmp -u nobody busybox sh -c 'echo $A $(pwd) $(id -u)'
        assert_output '1 /tmp 65534'
        b run -d --name ex busybox sleep 60 >/dev/null
        run b exec ex sh -c 'echo in-exec; exit 5'
        assert_status 5
        assert_output in-exec
        run -127 b exec ex /no/such
}

@test "-m is enforced; rename; pause/unpause; inspect of containers; container prune" {
        run b run --rm -m 32m busybox sh -c 'head -c 200m /dev/zero | tail > /dev/null'
        [ "$status" -ne 0 ]
        b run -d --name r1 busybox sleep 60 >/dev/null
        run b rename r1 r2
        assert_status 0
        run b inspect -f '{{.Name}} {{.State.Status}}' r2
        assert_output '/r2 running'
        run b pause r2
        assert_status 0
        run b ps --format '{{.Status}}'
        [[ "$output" == *"(Paused)" ]] || fail "$output"
        run b unpause r2
        assert_status 0
        run b inspect nosuch
        assert_status 1
        run b container inspect -f '{{.Config.Image}}' r2
        assert_output busybox
        b create --name dead busybox true >/dev/null
        run b container prune -f
        assert_status 0
        assert_line_match '^Total reclaimed space: '
        run b ps -a --format '{{.Names}}'
        assert_output r2
}

@test "after a reboot (supervisors killed, runroot emptied) ps shows Exited (255) and start works" {
        id=$(b run -d --name rb busybox sleep 100)
        pid=$(b inspect -f '{{.State.Pid}}' rb)
        kill -9 "$(cut -d' ' -f1 "$TEST_TMP/run/containers/$id/shim.pid")" "$pid"
        # Until the killed container is gone its mounts and cgroup are busy (a loaded machine is slow).
        for _ in $(seq 100); do
                [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || break
                sleep 0.1
        done
        umount "$TEST_TMP/root/containers/$id/rootfs" 2>/dev/null || true
        # A reboot drops the mounts of the runroot too (network namespaces bound under it).
        grep -F " $TEST_TMP/run/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m"
        done
        rm -rf "$TEST_TMP/run"
        run b ps -a --format '{{.Names}} {{.Status}}'
        [[ "$output" =~ ^rb\ Exited\ \(255\)\  ]] || fail "$output"
        run b inspect -f '{{.State.Status}} {{.State.ExitCode}}' rb
        assert_output 'exited 255'
        run b start rb
        assert_status 0
        run b ps --format '{{.Names}} {{.State}}'
        assert_output 'rb running'
        run b rm -f rb
        assert_status 0
}

@test "logs: --tail, -t, stderr to stderr, -f until the exit; wait; top; stats --no-stream" {
        # The container runs until the test sends USR1: with a fixed `sleep 2` a loaded machine reached
        # `logs --tail` after the exit. (Not an exec that makes it exit: the exec, killed with the pid
        # namespace before it had exited itself, failed with 137.)
        b run -d --name lg busybox sh -c 'trap "echo late; exit 0" USR1; for i in 1 2 3; do echo out$i; done
                echo err1 >&2; while :; do sleep 0.1; done' >/dev/null
        for _ in $(seq 100); do b logs lg 2>&1 | grep -qx err1 && break; sleep 0.1; done
        run b logs --tail 2 lg
        assert_output $'out3\nerr1'
        [ "$(b logs lg 2>/dev/null)" = $'out1\nout2\nout3' ]
        [ "$(b logs lg 2>&1 >/dev/null)" = err1 ]
        run b logs -t --tail 1 lg
        [[ "$output" =~ ^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z\ err1$ ]] || fail "$output"
        run b top lg
        assert_status 0
        [[ "${lines[0]}" == UID* ]] || fail "$output"
        run b stats --no-stream --format '{{.Name}}' lg
        assert_output lg
        b kill -s USR1 lg >/dev/null
        run b logs -f lg
        assert_line_match '^late$'
        run b wait lg
        assert_output 0
}
