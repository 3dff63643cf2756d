#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2046,SC2086  # lists of ids and pids are split on purpose
# Faults, concurrency and bad input of the container commands (issue 4):
# 100 parallel `run -d`, kill -9 of the CLI in the middle of `run -d`, kill -9
# of a supervisor, a simulated reboot (supervisors and containers killed, the
# runroot emptied), and docker's one line + exit code for bad input. Real
# containers from a busybox rootfs imported with `berth import`; each test has
# its own BERTH_ROOT and BERTH_RUNROOT.

load helpers
bats_require_minimum_version 1.5.0

BERTH=${BERTH:-$BERTH_BUILD/src/berth/berth}

# The faults tests also need a file that is not a program.
add_notexec() {
        printf 'not a program\n' >"$1/notexec"
        chmod 644 "$1/notexec"
}

setup_file() {
        berth_busybox_tar add_notexec
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
                # Whatever a failed test left: its supervisors, then their containers' cgroups.
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

# The full IDs of every container of the root.
all_ids() {
        b ps -aq --no-trunc
}

# Nothing of the containers $@ remains: no supervisor of the root, no mount under
# the root, no cgroup directory (every v1 controller and the unified hierarchy).
assert_no_leftovers() {
        local id left
        left=$(shims_of_root)
        [ -z "$left" ] || fail "supervisors left: $(ps -o pid,args -p "${left//$'\n'/,}")"
        ! grep -F " $BERTH_ROOT/" /proc/self/mountinfo || fail "mounts left under $BERTH_ROOT"
        for id in "$@"; do
                left=$(ls -d /sys/fs/cgroup/*/berth/"$id" /sys/fs/cgroup/berth/"$id" 2>/dev/null || true)
                [ -z "$left" ] || fail "cgroups left: $left"
        done
}

# Is PID a live process (not a zombie)?
alive() {
        [ -r "/proc/$1/stat" ] && ! awk '{exit $3 == "Z" ? 0 : 1}' "/proc/$1/stat" 2>/dev/null
}

# The pid the record gives the container's first process, 0 if none.
ctr_pid() {
        b inspect -f '{{.State.Pid}}' "$1"
}

@test "100 run -d in parallel: all start, ids and names unique, rm -f removes them all" {
        local i n pids=()
        for i in $(seq 100); do
                (b run -d busybox sleep 30 >"$TEST_TMP/out.$i" 2>"$TEST_TMP/err.$i"
                        echo $? >"$TEST_TMP/rc.$i") &
                pids+=($!)
        done
        # Our own jobs only: a bare `wait` would also wait for bats' timeout watchdog.
        wait "${pids[@]}"
        for i in $(seq 100); do
                [ "$(cat "$TEST_TMP/rc.$i")" = 0 ] || fail "run $i: exit $(cat "$TEST_TMP/rc.$i"): $(cat "$TEST_TMP/err.$i")"
                [[ "$(cat "$TEST_TMP/out.$i")" =~ ^[0-9a-f]{64}$ ]] || fail "run $i printed: $(cat "$TEST_TMP/out.$i")"
        done
        [ "$(cat "$TEST_TMP"/out.* | sort -u | wc -l)" = 100 ] || fail "ids printed are not unique"
        run b ps -q
        assert_status 0
        n=$(printf '%s\n' "$output" | sort -u | wc -l)
        [ "$n" = 100 ] || fail "ps -q lists $n distinct running containers: $output"
        run b ps --format '{{.Names}}'
        n=$(printf '%s\n' "$output" | sort -u | wc -l)
        [ "$n" = 100 ] || fail "ps lists $n distinct names"
        [ "$(shims_of_root | wc -l)" = 100 ] || fail "$(shims_of_root | wc -l) supervisors for 100 containers"
        # Nothing corrupt: every record reads back.
        run b inspect -f '{{.State.Status}}' $(all_ids)
        assert_status 0
        [ "$(grep -c '^running$' <<<"$output")" = 100 ] || fail "inspect: $output"
        local ids
        ids=$(all_ids)
        run b rm -f $(b ps -aq)
        assert_status 0
        [ -z "$(all_ids)" ] || fail "left after rm -f: $(all_ids)"
        assert_no_leftovers $ids
}

@test "kill -9 of the CLI at random moments of run -d: rm -f still removes everything" {
        local i pid ids id
        for i in $(seq 20); do
                "$BERTH" run -d busybox sleep 60 >/dev/null 2>&1 &
                pid=$!
                sleep "0.$(printf '%03d' $((RANDOM % 201)))"
                kill -9 "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
        done
        ids=$(all_ids)
        # Every record a killed CLI left reads back (nothing half-written).
        if [ -n "$ids" ]; then
                run b inspect -f '{{.State.Status}}' $ids
                [ "$status" = 0 ] || fail "inspect after kill -9 of the CLI: $output"
        fi
        for id in $ids; do
                run b rm -f "$id"
                [ "$status" = 0 ] || fail "rm -f $id: exit $status: $output"
        done
        [ -z "$(all_ids)" ] || fail "left after rm -f: $(all_ids)"
        assert_no_leftovers $ids
}

@test "kill -9 of a supervisor: ps -a shows Exited, start works again, rm -f works" {
        local id shim old
        id=$(b run -d --name victim busybox sleep 300)
        read -r shim _ <"$BERTH_RUNROOT/containers/$id/shim.pid" # "PID STARTTIME"
        [ -n "$shim" ] && kill -0 "$shim" || fail "no supervisor pid in shim.pid"
        old=$(ctr_pid "$id")
        kill -9 "$shim"
        # Its container goes with it (or is at least not reported running).
        for _ in $(seq 50); do
                [ -e "/proc/$shim" ] || break
                sleep 0.1
        done
        run b ps -a --format '{{.Names}} {{.Status}}'
        assert_status 0
        assert_line_match '^victim Exited \([0-9]+\) '
        run b start victim
        assert_status 0
        run b ps --format '{{.Names}} {{.Status}}'
        assert_line_match '^victim Up '
        # The orphaned first instance went (killed by start's cleanup): one instance, not two.
        for _ in $(seq 50); do
                alive "$old" || break
                sleep 0.1
        done
        ! alive "$old" || fail "the container process $old of the killed supervisor still runs"
        run b rm -f victim
        assert_status 0
        [ -z "$(all_ids)" ] || fail "left: $(all_ids)"
        assert_no_leftovers "$id"
}

@test "kill -9 of a supervisor: ps -a alone shows Exited and kills and cleans up the orphaned container" {
        local id shim old
        id=$(b run -d --name orphan busybox sleep 300)
        read -r shim _ <"$BERTH_RUNROOT/containers/$id/shim.pid" # "PID STARTTIME"
        [ -n "$shim" ] && kill -0 "$shim" || fail "no supervisor pid in shim.pid"
        old=$(b inspect -f '{{.State.Pid}}' "$id")
        [ "$old" -gt 0 ] && alive "$old" || fail "no container process ($old)"
        kill -9 "$shim"
        for _ in $(seq 50); do
                [ -e "/proc/$shim" ] || break
                sleep 0.1
        done
        # Only ps: no start, stop or rm to clean up on the way.
        run b ps -a --format '{{.Names}} {{.Status}}'
        assert_status 0
        assert_line_match '^orphan Exited \(255\) '
        for _ in $(seq 100); do
                alive "$old" || break
                sleep 0.1
        done
        ! alive "$old" || fail "the orphaned container process $old still runs after ps -a"
        run b inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' orphan
        assert_output "exited 255 false"
        run b ps -q
        assert_output ""
        assert_no_leftovers "$id"
        run b rm orphan
        assert_status 0
}

@test "kill -9 of the supervisors at random moments of run -d: rm -f still removes everything" {
        local i pid ids id rc
        for i in $(seq 10); do
                timeout 20 "$BERTH" run -d busybox sleep 60 >/dev/null 2>&1 &
                pid=$!
                sleep "0.$(printf '%03d' $((RANDOM % 101)))"
                kill -9 $(shims_of_root) 2>/dev/null || true
                # The CLI fails or succeeds, but it does not hang on a dead supervisor.
                wait "$pid" && rc=0 || rc=$?
                [ "$rc" != 124 ] || fail "round $i: run -d hung after its supervisor was killed"
        done
        ids=$(all_ids)
        [ -n "$ids" ] || fail "no container recorded"
        # (One may run: a kill that came before its supervisor existed.)
        run b ps -a --format '{{.Status}}'
        assert_status 0
        for id in $ids; do
                run b rm -f "$id"
                [ "$status" = 0 ] || fail "rm -f $id: exit $status: $output"
        done
        [ -z "$(all_ids)" ] || fail "left after rm -f: $(all_ids)"
        assert_no_leftovers $ids
}

@test "reboot: supervisors and containers killed, runroot emptied: ps -a shows Exited, start works" {
        local ids id pids="" shims p
        for i in 1 2 3; do b run -d --name "r$i" busybox sleep 300 >/dev/null; done
        b create --name never busybox true >/dev/null
        ids=$(all_ids)
        for id in $ids; do
                pids="$pids $(ctr_pid "$id")"
        done
        # The machine goes down: every supervisor, every container process, the tmpfs runroot.
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
        run b ps -a --format '{{.Names}} {{.Status}}'
        assert_status 0
        for i in 1 2 3; do assert_line_match "^r$i Exited \\([0-9]+\\) "; done
        assert_line_match '^never Created$'
        run b inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Pid}}' r1
        assert_output 'exited false 0'
        for i in 1 2 3; do
                run b start "r$i"
                assert_status 0
        done
        run b ps --format '{{.Names}} {{.Status}}'
        for i in 1 2 3; do assert_line_match "^r$i Up "; done
        run b start never
        assert_status 0
        run b rm -f $(b ps -aq)
        assert_status 0
        assert_no_leftovers $ids
}

@test "bad input: one clear line and docker's exit codes" {
        run b run --rm nosuchimage true
        assert_status 125
        # docker's two lines: the pull notice, then the pull's error.
        [ "${#lines[@]}" = 2 ] || fail "not two lines: $output"
        assert_line_match "^Unable to find image 'nosuchimage:latest' locally$"
        assert_line_match "^berth: pull access denied for nosuchimage"
        run b run --pull never --rm nosuchimage true
        assert_status 125
        [ "${#lines[@]}" = 1 ] || fail "more than one line: $output"

        run b run --bogus busybox true
        assert_status 125
        assert_line_match '^unknown flag: --bogus$'

        b run -d --name taken busybox sleep 60 >/dev/null
        run b run -d --name taken busybox sleep 60
        assert_status 125
        [ "${#lines[@]}" = 1 ] || fail "more than one line: $output"
        assert_line_match 'Conflict. The container name "/taken" is already in use by container "[0-9a-f]{64}"'
        [ "$(b ps -aq | wc -l)" = 1 ] || fail "the failed run left a container"

        run -127 b run --rm busybox /no/such/command
        assert_status 127
        [ "${#lines[@]}" = 1 ] || fail "more than one line: $output"
        assert_line_match 'no such file or directory'

        run -126 b run --rm busybox /notexec
        assert_status 126
        [ "${#lines[@]}" = 1 ] || fail "more than one line: $output"
        assert_line_match 'permission denied'

        run -126 b run --rm busybox /etc
        assert_status 126

        run b rm -f taken
        assert_status 0
        [ -z "$(all_ids)" ] || fail "--rm left containers: $(all_ids)"
}

@test "system prune: stopped containers and dangling images go, running ones and used images stay" {
        local keep gone
        keep=$(b run -d --name keep busybox sleep 60)
        gone=$(b create --name gone busybox true)
        b run --name ran busybox true
        b import "$BATS_FILE_TMPDIR/busybox.tar" >/dev/null # dangling (no tag)
        run b system prune <<<"n"
        assert_status 0
        assert_line_match '^  - all dangling images$'
        assert_line_match '^  - unused build cache$'
        refute_line_match 'volumes'
        [ "$(all_ids | wc -l)" = 3 ] || fail "answering n removed something"
        run b system prune -f
        assert_status 0
        assert_line_match '^Deleted Containers:$'
        assert_line_match "^$gone$"
        assert_line_match '^Deleted Images:$'
        assert_line_match '^Total reclaimed space: '
        run b ps -aq --no-trunc
        assert_output "$keep"
        run b images -q
        [ "${#lines[@]}" = 1 ] || fail "images after prune: $output"
        run b system prune -a <<<"y"
        assert_status 0
        assert_line_match '^  - all images without at least one container associated to them$'
        assert_line_match '^  - all build cache$'
        run b images -q
        [ "${#lines[@]}" = 1 ] || fail "the image a running container uses was pruned"
        # --volumes: the anonymous volume of a pruned container goes, a named one stays.
        b run -v /data -v named:/named busybox true
        [ "$(b volume ls -q | wc -l)" = 2 ] || fail "volumes: $(b volume ls -q)"
        run b system prune -f --volumes
        assert_status 0
        assert_line_match '^Deleted Volumes:$'
        run b volume ls -q
        assert_output named
        b rm -f keep >/dev/null
        run b system prune -af
        assert_status 0
        assert_line_match '^Deleted Images:$'
        run b images -q
        assert_output ''
}
