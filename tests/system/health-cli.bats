#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Health checks run by the supervisor (Docker's semantics, plus berth's
# `--restart on-unhealthy`) and --init (berth-init as PID 1). Real containers
# from a busybox rootfs imported with `berth import`, each test in its own
# store. Intervals are short (1s or less) to keep the file fast.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
        berth_busybox_tar
}

setup() {
        berth_store_setup
}

teardown() {
        berth_store_teardown
}

health() {
        b inspect -f '{{.State.Health.Status}}' "$1"
}

# wait_health NAME STATUS SECONDS
wait_health() {
        local i s=
        for ((i = 0; i < $3 * 10; i++)); do
                s=$(health "$1" 2>/dev/null) || true
                [ "$s" = "$2" ] && return 0
                sleep 0.1
        done
        fail "health of $1: '$s' after $3 s, expected '$2'"
}

@test "health: starting, unhealthy after the retries, healthy once the check passes; ps and inspect show it" {
        # Unhealthy no sooner than 2 intervals after the start: the margin for the two `starting` checks
        # (with 300ms a loaded machine could be past the second failure before it looked).
        b run -d --name hh --health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 2 \
                busybox sleep 60 >/dev/null
        run health hh
        assert_output starting
        run b ps --format '{{.Status}}'
        [[ "$output" == *"(health: starting)"* ]] || fail "ps: $output"
        wait_health hh unhealthy 10
        run b inspect -f '{{.State.Health.FailingStreak}}' hh
        [ "$output" -ge 2 ] || fail "streak: $output"
        run b ps --format '{{.Status}}'
        [[ "$output" == Up*"(unhealthy)" ]] || fail "ps: $output"
        b exec hh touch /tmp/ok
        wait_health hh healthy 10
        run b inspect -f '{{.State.Health.FailingStreak}}' hh
        assert_output 0
        run b ps --format '{{.Status}}'
        [[ "$output" == Up*"(healthy)" ]] || fail "ps: $output"
        run b ps --filter health=healthy --format '{{.Names}}'
        assert_output hh
        # The log keeps the last 5 probes, each with its exit code; Docker's field names.
        run b inspect -f '{{len .State.Health.Log}}' hh
        [ "$output" -ge 1 ] && [ "$output" -le 5 ] || fail "log length: $output"
        run b inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{end}}' hh
        [[ "$output" == *"1 "*"0 " ]] || fail "exit codes: $output"
        run b inspect -f '{{json .Config.Healthcheck.Test}}' hh
        assert_output '["CMD-SHELL","test -f /tmp/ok"]'
        # Stopped, it is not healthy (as Docker); started again, it starts over.
        b stop -t 1 hh >/dev/null
        run health hh
        assert_output unhealthy
        b start hh >/dev/null
        run health hh
        assert_output starting
        wait_health hh healthy 5
}

@test "health: the probe's output is logged; CMD form; the first probe waits one interval" {
        # Checked 0.5 s after run returned, well before the first interval (3 s: a loaded machine's margin).
        b run -d --name oo --health-cmd 'echo probe-out; echo probe-err >&2' --health-interval 3s \
                busybox sleep 60 >/dev/null
        sleep 0.5
        run b inspect -f '{{len .State.Health.Log}}' oo
        assert_output 0
        wait_health oo healthy 15
        run b inspect -f '{{(index .State.Health.Log 0).Output}}' oo
        [[ "$output" == *probe-out* && "$output" == *probe-err* ]] || fail "output: $output"
}

@test "health: --no-healthcheck and a container without a check have no Health" {
        b run -d --name nn --no-healthcheck busybox sleep 60 >/dev/null
        run b inspect -f '{{json .Config.Healthcheck.Test}}' nn
        assert_output '["NONE"]'
        sleep 0.3
        run b inspect -f '{{json .State.Health}}' nn
        [[ "$output" == "null" || "$output" == "" || "$output" == "<no value>" ]] || fail "health: $output"
        run b ps --format '{{.Status}}'
        [[ "$output" != *health* && "$output" != *"("* ]] || fail "ps: $output"
        run -125 b run --rm --no-healthcheck --health-cmd true busybox true
}

@test "health: a probe that outlives its timeout is killed and fails" {
        b run -d --name tt --health-cmd 'sleep 5' --health-interval 200ms --health-timeout 300ms \
                --health-retries 1 busybox sleep 60 >/dev/null
        wait_health tt unhealthy 5
        run b inspect -f '{{(index .State.Health.Log 0).ExitCode}}|{{(index .State.Health.Log 0).Output}}' tt
        assert_output '-1|Health check exceeded timeout (300ms)'
}

@test "health: failures during the start period do not count" {
        b run -d --name ss --health-cmd false --health-interval 200ms --health-retries 1 \
                --health-start-period 5s busybox sleep 60 >/dev/null
        # Wait for two failed probes (bounded), not for a time; they come at 0.2 and 0.4 s, well inside
        # the start period (after `sleep 1` with a 2 s period, a loaded machine could be past it).
        local i n=0
        for ((i = 0; i < 50; i++)); do
                n=$(b inspect -f '{{len .State.Health.Log}}' ss)
                [ "${n:-0}" -ge 2 ] && break
                sleep 0.1
        done
        [ "${n:-0}" -ge 2 ] || fail "$n probes logged"
        run health ss
        assert_output starting
        run b inspect -f '{{.State.Health.FailingStreak}}' ss
        assert_output 0
        wait_health ss unhealthy 15
}

@test "health: --restart on-unhealthy restarts an unhealthy container" {
        b run -d --name rr --restart on-unhealthy --stop-timeout 1 --health-cmd false --health-interval 200ms \
                --health-retries 1 busybox sleep 60 >/dev/null
        local i n=0
        for ((i = 0; i < 100; i++)); do
                n=$(b inspect -f '{{.RestartCount}}' rr)
                [ "${n:-0}" -ge 2 ] && break
                sleep 0.1
        done
        [ "$n" -ge 2 ] || fail "RestartCount $n"
        run b inspect -f '{{.State.Status}}' rr
        [[ "$output" == running || "$output" == restarting ]] || fail "status: $output"
        # A stop is final.
        b stop -t 1 rr >/dev/null
        run b inspect -f '{{.State.Status}}' rr
        assert_output exited
        # Without on-unhealthy, unhealthy is only reported.
        b run -d --name uu --health-cmd false --health-interval 200ms --health-retries 1 busybox sleep 60 >/dev/null
        wait_health uu unhealthy 5
        sleep 0.5
        run b inspect -f '{{.RestartCount}} {{.State.Status}}' uu
        assert_output '0 running'
}

@test "init: --init runs berth-init as PID 1, which reaps zombies and forwards signals" {
        b run -d --name ii --init busybox sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' \
                >/dev/null
        run b inspect -f '{{.HostConfig.Init}}' ii
        assert_output true
        run b exec ii cat /proc/1/cmdline
        [[ "$output" == /sbin/berth-init* ]] || fail "pid 1: $output"
        # An orphan that exits becomes a zombie child of PID 1 unless PID 1 reaps it: its /proc entry
        # goes once it is reaped (polled, bounded: on a loaded machine it may not even have exited in 1 s).
        local p i
        p=$(b exec ii sh -c 'sleep 0.2 >/dev/null 2>&1 & echo $!')
        [ "$p" -gt 1 ] || fail "orphan pid: $p"
        for ((i = 0; i < 100; i++)); do
                b exec ii test -e "/proc/$p" || break
                sleep 0.1
        done
        run b exec ii sh -c "if [ -e /proc/$p ]; then cat /proc/$p/status; else echo reaped; fi"
        assert_output reaped
        b kill -s TERM ii >/dev/null
        run b wait ii
        assert_output 7
        run b logs ii
        assert_output got-term
}

@test "init: without --init the command is PID 1; --init with run --rm passes the exit code" {
        run b run --rm busybox cat /proc/1/cmdline
        [[ "$output" == cat* ]] || fail "pid 1: $output"
        # The control for the zombie check above: sleep as PID 1 reaps nothing.
        b run -d --name zz busybox sleep 60 >/dev/null
        local p i
        p=$(b exec zz sh -c 'sleep 0.2 >/dev/null 2>&1 & echo $!')
        [ "$p" -gt 1 ] || fail "orphan pid: $p"
        for ((i = 0; i < 100; i++)); do
                b exec zz grep -q '^State:.*Z' "/proc/$p/status" && break
                sleep 0.1
        done
        run b exec zz sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l'
        assert_output 1
        run b run --rm --init busybox sh -c 'exit 3'
        assert_status 3
        run b run --rm --init busybox sh -c 'kill -9 $$'
        assert_status 137
        # With -t the command is the terminal's foreground group (pid, pgrp, tpgid): ^C reaches it once.
        run b run --rm -t --init busybox sh -c 'cut -d" " -f1,5,8 /proc/$$/stat' </dev/null
        assert_output $'2 2 2\r'
        # `stop`: sleep as PID 1 would ignore SIGTERM and wait for the SIGKILL; under berth-init it dies at once.
        b run -d --name st --init busybox sleep 60 >/dev/null
        local t0=$SECONDS
        b stop -t 20 st >/dev/null
        [ $((SECONDS - t0)) -lt 10 ] || fail "stop took $((SECONDS - t0)) s"
        run b inspect -f '{{.State.ExitCode}}' st
        assert_output 143
}

@test "health: with another OCI runtime (crun) the probe is its exec" {
        command -v crun >/dev/null || skip "no crun"
        b run -d --name cc --runtime crun --health-cmd 'echo via-crun' --health-interval 300ms \
                busybox sleep 60 >/dev/null
        wait_health cc healthy 5
        run b inspect -f '{{(index .State.Health.Log 0).Output}}' cc
        assert_output via-crun
        b run -d --name ct --runtime crun --health-cmd 'sleep 5' --health-interval 200ms --health-timeout 200ms \
                --health-retries 1 busybox sleep 60 >/dev/null
        wait_health ct unhealthy 5
}

@test "health: the image's HEALTHCHECK runs; --no-healthcheck disables it" {
        command -v python3 >/dev/null || skip "no python3"
        local d=$TEST_TMP/img
        mkdir -p "$d/x"
        b save -o "$d/bb.tar" busybox
        tar -C "$d/x" -xf "$d/bb.tar"
        # The same image with a Healthcheck in its config (a docker-archive the loader takes).
        python3 - "$d/x" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(f"{d}/manifest.json"))
c = json.load(open(f"{d}/{m[0]['Config']}"))
c["config"]["Healthcheck"] = {"Test": ["CMD-SHELL", "test -f /tmp/ok"], "Interval": 300000000, "Retries": 1}
data = json.dumps(c).encode()
h = hashlib.sha256(data).hexdigest()
open(f"{d}/blobs/sha256/{h}", "wb").write(data)
m[0]["Config"] = f"blobs/sha256/{h}"
m[0]["RepoTags"] = ["bbh:latest"]
json.dump(m, open(f"{d}/manifest.json", "w"))
for f in ("index.json", "repositories"):
    if os.path.exists(f"{d}/{f}"):
        os.remove(f"{d}/{f}")
PY
        tar -C "$d/x" -cf "$d/bbh.tar" .
        b load -i "$d/bbh.tar" >/dev/null
        b run -d --name img bbh sleep 60 >/dev/null
        b run -d --name imgnone --no-healthcheck bbh sleep 60 >/dev/null
        wait_health img unhealthy 5
        b exec img touch /tmp/ok
        wait_health img healthy 5
        run b inspect -f '{{json .State.Health}}' imgnone
        [[ "$output" == "null" || "$output" == "" || "$output" == "<no value>" ]] || fail "health: $output"
}

@test "health: a paused container is not probed; probes resume after unpause" {
        b run -d --name pz --health-cmd true --health-interval 200ms busybox sleep 60 >/dev/null
        wait_health pz healthy 5
        b pause pz >/dev/null
        sleep 0.5
        local before after
        before=$(b inspect -f '{{range .State.Health.Log}}{{.End}} {{end}}' pz)
        sleep 1
        after=$(b inspect -f '{{range .State.Health.Log}}{{.End}} {{end}}' pz)
        [ "$before" = "$after" ] || fail "probed while paused: $before / $after"
        b unpause pz >/dev/null
        local i
        for ((i = 0; i < 50; i++)); do
                after=$(b inspect -f '{{range .State.Health.Log}}{{.End}} {{end}}' pz)
                [ "$before" != "$after" ] && break
                sleep 0.1
        done
        [ "$before" != "$after" ] || fail "no probe after unpause"
        run health pz
        assert_output healthy
}
