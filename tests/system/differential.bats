#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Differential tests: the same bundle under $RUNTIME and $DIFF_RUNTIME (crun)
# must give the same observable results.

load helpers

setup() {
        berth_setup
        require_runtime
        [ -x "$DIFF_RUNTIME" ] || berth_skip "reference runtime \`$DIFF_RUNTIME\` missing"
}

# both: run $BUNDLE under both runtimes; sets out_a/st_a (ours) and out_b/st_b (reference).
both() {
        st_a=0 st_b=0
        out_a=$(rt_with "$RUNTIME" run --bundle "$BUNDLE" "$(new_cid)" </dev/null 2>"$TEST_TMP/err_a") || st_a=$?
        out_b=$(rt_with "$DIFF_RUNTIME" run --bundle "$BUNDLE" "$(new_cid)" </dev/null 2>"$TEST_TMP/err_b") || st_b=$?
}

same() {
        if [ "$st_a" != "$st_b" ] || [ "$out_a" != "$out_b" ]; then
                echo "$(basename "$RUNTIME") (status $st_a):" >&2
                echo "$out_a" >&2
                cat "$TEST_TMP/err_a" >&2
                echo "$(basename "$DIFF_RUNTIME") (status $st_b):" >&2
                echo "$out_b" >&2
                cat "$TEST_TMP/err_b" >&2
                diff <(echo "$out_a") <(echo "$out_b") >&2 || true
                return 1
        fi
}

@test "differential: capabilities, ids, no_new_privs, seccomp mode" {
        make_bundle "$BUNDLE" /init status
        both
        same
        spec_set '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 100]}'
        both
        same
}

@test "differential: uid/gid maps of a user namespace" {
        make_bundle "$BUNDLE" /init uidmap
        spec_set '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
        chown -R 100000:100000 "$BUNDLE/rootfs"
        both
        same
}

@test "differential: hostname and domainname" {
        make_bundle "$BUNDLE" /init hostname
        spec_set '.hostname = "diff-host" | .domainname = "diff.test"'
        both
        same
}

@test "differential: rlimits" {
        make_bundle "$BUNDLE" /init rlimits
        spec_set '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
                                      {type: "RLIMIT_CORE", soft: 0, hard: 0}]'
        both
        same
}

@test "differential: seccomp-denied syscall errno" {
        make_bundle "$BUNDLE" /init syscall-errno mkdir /tmp/d
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
        both
        same
        [ "$out_a" = 95 ]
}

@test "differential: exit code and signal exit" {
        make_bundle "$BUNDLE" /init exit 77
        both
        same
        set_args /init kill-self 11
        both
        same
}

@test "differential: environment and cwd" {
        make_bundle "$BUNDLE" /bin/sh -c 'env | sort; pwd'
        spec_set '.process.cwd = "/tmp" | .process.env += ["A=1"]'
        both
        same
}

@test "differential: mountinfo shape (mount points and fs types)" {
        make_bundle "$BUNDLE" /init mountinfo
        both
        # Field 5 is the mount point; the fs type follows the " - " separator. A masked
        # file is a bind of some /dev/null (the host's devtmpfs or the container's
        # tmpfs): both are fine, so its type is not compared.
        local shape='{for (i = 7; $i != "-"; i++); t = $(i + 1)
                      if ($5 ~ "^/proc/." && (t == "devtmpfs" || t == "tmpfs")) t = "(masked)"
                      print $5, t}'
        out_a=$(awk "$shape" <<<"$out_a" | sort)
        out_b=$(awk "$shape" <<<"$out_b" | sort)
        same
}

@test "differential: /dev contents" {
        make_bundle "$BUNDLE" /init ls /dev
        both
        # crun adds a /dev/core -> /proc/kcore link that the spec does not ask for.
        out_a=$(grep -vx core <<<"$out_a")
        out_b=$(grep -vx core <<<"$out_b")
        same
}
