#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# 1000 containers on the default bridge, run and removed four at a time, some
# with a published port: afterwards no interface, rule, address, namespace or
# process of theirs is left (issue 5). Its own file for its own watchdog: on a
# loaded two-core machine the cycles take over a minute.

load helpers

BATS_TEST_TIMEOUT=900
bats_require_minimum_version 1.5.0

setup_file() {
        berth_busybox_tar
}

setup() {
        berth_store_setup
        command -v nft >/dev/null || berth_skip "nft not installed"
}

teardown() {
        berth_store_teardown
}

@test "1000 run/rm cycles on the bridge leave no interface, rule, address, namespace or process is left" {
        local before_links after_links i cycles=${BERTH_NET_CYCLES:-1000}
        before_links=$(ip -o link show type veth | wc -l)
        # Four at a time (the machine has two cores; the kernel's rtnl lock serialises the rest);
        # every other one publishes a port.
        export -f b
        export BERTH TEST_TMP
        seq "$cycles" | xargs -P 4 -I{} bash -c \
                'if [ $(({} % 2)) = 0 ]; then p="-p 127.0.0.1::80"; else p=; fi
                 b run --rm $p busybox true || echo "cycle {} failed" >&2' 2>"$TEST_TMP/cycles.err" || true
        [ ! -s "$TEST_TMP/cycles.err" ] || { head "$TEST_TMP/cycles.err"; false; }
        for i in $(seq 10); do
                b run -d --name "c$i" -p "127.0.0.1::80" busybox sleep 100 >/dev/null
        done
        for i in $(seq 10); do b rm -f "c$i" >/dev/null; done
        # veths of dead namespaces go asynchronously: wait (bounded) for the kernel
        for i in $(seq 300); do
                after_links=$(ip -o link show type veth | wc -l)
                [ "$after_links" -le "$before_links" ] && break
                sleep 0.1
        done
        [ "$after_links" -le "$before_links" ]
        run -0 b network inspect -f '{{len .Containers}}' bridge
        [ "$output" = 0 ]
        [ -z "$(ls -A "$TEST_TMP/run/netns" 2>/dev/null)" ]
        run nft list chain ip berth published-ports
        [[ "$output" != *"ctr="* ]]
        ! grep -q "$TEST_TMP/run/netns/" /proc/self/mountinfo
        ! pgrep -f "berth-shim --root $TEST_TMP/root" >/dev/null
        [ -z "$(b ps -aq)" ]
}
