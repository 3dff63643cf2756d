#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# OCI hooks: createRuntime, prestart, poststart, poststop run on the host with the
# container's state JSON on stdin; a failing or timed-out hook fails create.

load helpers

setup() {
        berth_setup
        require_runtime
        mkdir -p "$TEST_TMP/hooks"
}

# hook NAME: a hook that saves its stdin to hooks/NAME.json and logs its name.
hook() {
        jq -n --arg d "$TEST_TMP/hooks" --arg n "$1" '{path: "/bin/sh",
                args: ["sh", "-c", ("cat > " + $d + "/" + $n + ".json; echo " + $n + " >> " + $d + "/order")]}'
}

@test "hooks: each runs once with the state on stdin, in lifecycle order" {
        make_bundle "$BUNDLE" /init true
        spec_set '.hooks = {createRuntime: [$cr], prestart: [$ps], poststart: [$pst], poststop: [$pso]}' \
                --argjson cr "$(hook createRuntime)" --argjson ps "$(hook prestart)" \
                --argjson pst "$(hook poststart)" --argjson pso "$(hook poststop)"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        local h
        for h in createRuntime prestart poststart poststop; do
                [ -s "$TEST_TMP/hooks/$h.json" ] || fail "hook $h did not run"
                [ "$(jq -r .id "$TEST_TMP/hooks/$h.json")" = "$CID" ] || fail "$h: wrong id"
                [ "$(jq -r .bundle "$TEST_TMP/hooks/$h.json")" = "$BUNDLE" ] || fail "$h: wrong bundle"
                jq -e .ociVersion "$TEST_TMP/hooks/$h.json" >/dev/null || fail "$h: no ociVersion"
        done
        [ "$(jq -r .pid "$TEST_TMP/hooks/createRuntime.json")" -gt 0 ]
        # The spec does not pin poststart's status (runc reports "created"); never "creating".
        [ "$(jq -r .status "$TEST_TMP/hooks/poststart.json")" != creating ]
        [ "$(jq -r .status "$TEST_TMP/hooks/poststop.json")" = stopped ]
        # createRuntime and prestart before poststart, poststop last.
        local order
        order=$(tr '\n' ' ' <"$TEST_TMP/hooks/order")
        [[ "$order" == *createRuntime*poststart*poststop* ]] || fail "order: $order"
        [[ "$order" == *prestart*poststart* ]] || fail "order: $order"
        [ "$(wc -l <"$TEST_TMP/hooks/order")" -eq 4 ] || fail "hooks ran more than once: $order"
}

@test "hooks: args and env are passed" {
        make_bundle "$BUNDLE" /init true
        spec_set '.hooks = {createRuntime: [{path: "/bin/sh",
                args: ["sh", "-c", "echo \"$1 $HOOKVAR\" > \"$0\"", ($d + "/args"), "first"],
                env: ["HOOKVAR=from-env"]}]}' --arg d "$TEST_TMP/hooks"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        [ "$(cat "$TEST_TMP/hooks/args")" = "first from-env" ]
}

@test "hooks: createContainer runs before pivot_root, startContainer in the container" {
        # createContainer runs in the container's namespaces before pivot_root (runc and
        # crun resolve its path on the host): the host's paths are still reachable.
        make_bundle "$BUNDLE" /init true
        spec_set '.mounts += [{destination: "/hooks", type: "bind", source: $d, options: ["rbind", "rw"]}]
                | .hooks = {createContainer: [{path: "/bin/sh", args: ["sh", "-c", ("echo cc > " + $d + "/cc")]}],
                            startContainer: [{path: "/bin/sh", args: ["sh", "-c", "hostname > /hooks/sc"]}]}' \
                --arg d "$TEST_TMP/hooks"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        [ "$(cat "$TEST_TMP/hooks/cc")" = cc ]
        [ "$(cat "$TEST_TMP/hooks/sc")" = berth-test ]
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
        make_bundle "$BUNDLE" /init true
        spec_set '.hooks = {createRuntime: [{path: "/bin/false"}]}'
        run rt create --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
        run rt state "$CID"
        if [ "$status" -eq 0 ]; then
                # runc leaves the container record (stopped); nothing may run.
                [ "$(jq -r .status <<<"$output")" = stopped ] || fail "state after failed hook: $output"
        fi
}

@test "hooks: a hook over its timeout fails create" {
        make_bundle "$BUNDLE" /init true
        spec_set '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
        local t0=$SECONDS
        run rt create --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
        [ $((SECONDS - t0)) -lt 20 ] || fail "the timeout was not enforced"
}

@test "hooks: a failing poststop hook does not fail delete" {
        make_bundle "$BUNDLE" /init true
        spec_set '.hooks = {poststop: [{path: "/bin/false"}]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        run rt state "$CID"
        [ "$status" -ne 0 ]
}
