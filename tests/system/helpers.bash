# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2016  # bats sets $status/$output; jq filters are single-quoted
# Common setup of berth's system tests (bats).
#
#   RUNTIME            the OCI runtime under test (default: the berth-runtime of $BERTH_BUILD)
#   DIFF_RUNTIME       the reference runtime of differential.bats (default: crun)
#   BERTH_BUILD        build directory, relative to the repository or absolute (default: build)
#   BERTH_TEST_STRICT  1 = a test that cannot run fails instead of being skipped
#   BERTH_TEST_CACHE   where the shared test rootfs is made (default: /var/tmp/berth-tests)
#
# Each test gets its own temp dir ($TEST_TMP), runtime state dir (--root $TEST_STATE),
# bundle ($BUNDLE) and container id ($CID). teardown deletes every container the
# test named through new_cid (and $CID) with delete --force.

BERTH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-build}
case "$BERTH_BUILD" in
/*) ;;
*) BERTH_BUILD=$BERTH_SRC/$BERTH_BUILD ;;
esac
RUNTIME=${RUNTIME:-$BERTH_BUILD/src/berth-runtime/berth-runtime}
# podman and dockerd need absolute paths; resolve bare names through PATH.
case "$RUNTIME" in
/*) ;;
*/*) RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME") ;;
*) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;;
esac
DIFF_RUNTIME=${DIFF_RUNTIME:-$(command -v crun || echo /usr/bin/crun)}
TEST_INIT=${BERTH_TEST_INIT:-$BERTH_BUILD/tests/helpers/berth-test-init}
BERTH_TEST_CACHE=${BERTH_TEST_CACHE:-/var/tmp/berth-tests}
BUSYBOX_ROOTFS=$BERTH_TEST_CACHE/busybox-rootfs
export RUNTIME DIFF_RUNTIME BERTH_BUILD TEST_INIT BUSYBOX_ROOTFS

# The default 14 capabilities of Docker/podman containers.
DEFAULT_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
"CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
"CAP_KILL","CAP_AUDIT_WRITE"]'

# --- skipping, strict mode ---------------------------------------------------

# berth_skip REASON: skip the test, or fail it when BERTH_TEST_STRICT=1.
berth_skip() {
        if [ "${BERTH_TEST_STRICT:-0}" = 1 ]; then
                echo "strict mode: cannot run: $*" >&2
                return 1
        fi
        skip "$*"
}

# skip_unless REASON CMD...: skip (strict: fail) unless CMD succeeds.
skip_unless() {
        local reason=$1
        shift
        if ! "$@" >/dev/null 2>&1; then
                berth_skip "$reason"
        fi
}

require_runtime() {
        [ -x "$RUNTIME" ] || berth_skip "runtime \`$RUNTIME\` not built"
}

runtime_is() {
        case "$(basename "$RUNTIME")" in
        "$1"*) return 0 ;;
        esac
        return 1
}

# --- assertions --------------------------------------------------------------

fail() {
        echo "FAIL: $*" >&2
        return 1
}

# assert_status N: the last `run` exited with N.
assert_status() {
        if [ "$status" -ne "$1" ]; then
                echo "expected exit status $1, got $status; output:" >&2
                echo "$output" >&2
                return 1
        fi
}

assert_output() {
        if [ "$output" != "$1" ]; then
                printf 'expected output:\n%s\ngot:\n%s\n' "$1" "$output" >&2
                return 1
        fi
}

# assert_line_match REGEX: some line of $output matches REGEX (grep -E).
assert_line_match() {
        if ! grep -qE -- "$1" <<<"$output"; then
                printf 'no line of the output matches /%s/; output:\n%s\n' "$1" "$output" >&2
                return 1
        fi
}

refute_line_match() {
        if grep -qE -- "$1" <<<"$output"; then
                printf 'a line of the output matches /%s/; output:\n%s\n' "$1" "$output" >&2
                return 1
        fi
}

# --- the test rootfs and bundles ---------------------------------------------

# ensure_rootfs: make the shared busybox rootfs (cached, idempotent).
ensure_rootfs() {
        [ -x "$TEST_INIT" ] || berth_skip "test payload \`$TEST_INIT\` not built"
        "$BERTH_SRC/scripts/mk-busybox-rootfs.sh" "$BUSYBOX_ROOTFS" "$TEST_INIT" >&2 \
                || berth_skip "cannot make the busybox rootfs"
}

# json_array ARGS...: a JSON array of strings. (jq --args would parse "-c" as its own option.)
json_array() {
        local i=0 a named=()
        for a in "$@"; do
                named+=(--arg "$(printf 'a%05d' "$i")" "$a")
                i=$((i + 1))
        done
        jq -nc "${named[@]}" '[$ARGS.named | to_entries | sort_by(.key)[] | .value]'
}

# base_config ARGS...: print runc/crun `spec`'s config, with our payload's ARGS.
base_config() {
        jq -n --argjson caps "$DEFAULT_CAPS" --argjson args "$(json_array "$@")" '{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: {uid: 0, gid: 0},
    args: $args,
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    cwd: "/",
    capabilities: {bounding: $caps, effective: $caps, permitted: $caps},
    rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
    noNewPrivileges: true
  },
  root: {path: "rootfs", readonly: false},
  hostname: "berth-test",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs",
     options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts",
     options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {destination: "/dev/shm", type: "tmpfs", source: "shm",
     options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]},
    {destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
     options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  linux: {
    resources: {devices: [{allow: false, access: "rwm"}]},
    namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
    maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                  "/proc/scsi"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}'
}

# make_bundle DIR [ARGS...]: DIR/rootfs (a fresh copy of the busybox rootfs) and
# DIR/config.json running ARGS (default: /init true).
make_bundle() {
        local dir=$1
        shift
        [ $# -gt 0 ] || set -- /init true
        ensure_rootfs
        mkdir -p "$dir"
        rm -rf "$dir/rootfs"
        flock -s "$BUSYBOX_ROOTFS.lock" cp -a "$BUSYBOX_ROOTFS" "$dir/rootfs"
        base_config "$@" >"$dir/config.json"
}

# spec_set FILTER [JQ-ARGS...]: apply a jq filter to $BUNDLE/config.json,
# e.g. spec_set '.process.user.uid = 1000' or spec_set '.hostname = $h' --arg h foo.
spec_set() {
        local filter=$1
        shift
        spec_set_in "$BUNDLE" "$filter" "$@"
}

spec_set_in() {
        local dir=$1 filter=$2
        shift 2
        # The config goes on stdin: after --args, jq takes every word as a value, not a file.
        jq "$filter" "$@" <"$dir/config.json" >"$dir/config.json.new" || return 1
        mv "$dir/config.json.new" "$dir/config.json"
}

# set_args ARGS...: replace process.args.
set_args() {
        spec_set '.process.args = $a' --argjson a "$(json_array "$@")"
}

# --- driving the runtime -----------------------------------------------------

# rt ARGS...: the runtime under test with this test's private state dir.
rt() {
        "$RUNTIME" --root "$TEST_STATE" "$@"
}

# rt_detached ARGS...: rt with stdio on files, for commands that leave a process
# running (run --detach, exec --detach): it would keep bats' `run` pipe open.
rt_detached() {
        rt "$@" </dev/null >"$TEST_TMP/detached.out" 2>"$TEST_TMP/detached.err"
        local rc=$?
        cat "$TEST_TMP/detached.out" "$TEST_TMP/detached.err"
        return $rc
}

# rt_with RUNTIME ARGS...: another runtime, with its own state dir.
rt_with() {
        local bin=$1
        shift
        "$bin" --root "$TEST_TMP/state-$(basename "$bin")" "$@"
}

# new_cid: print a fresh container id and remember it for teardown.
new_cid() {
        local id="berth-t$$-${BATS_TEST_NUMBER:-0}-$RANDOM"
        echo "$id" >>"$TEST_TMP/cids"
        echo "$id"
}

# rt_state_field ID FIELD: one field of `state ID`.
rt_state_field() {
        rt state "$1" | jq -r ".$2"
}

# wait_for_status ID STATUS [TRIES]: poll `state` until status is STATUS.
wait_for_status() {
        local id=$1 want=$2 tries=${3:-100} s=
        while [ "$tries" -gt 0 ]; do
                s=$(rt state "$id" 2>/dev/null | jq -r .status 2>/dev/null || true)
                [ "$s" = "$want" ] && return 0
                sleep 0.05
                tries=$((tries - 1))
        done
        echo "container $id: status \`$s\`, wanted \`$want\`" >&2
        return 1
}

# start_bg ID: create + start the container of $BUNDLE in the background, its
# stdio on files ($TEST_TMP/ID.out and .err), so bats' pipes are not held open.
start_bg() {
        local id=$1
        rt create --bundle "$BUNDLE" "$id" </dev/null >"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err" || {
                cat "$TEST_TMP/$id.err" >&2
                return 1
        }
        rt start "$id" || return 1
        wait_for_status "$id" running
}

# wait_for_file FILE [TRIES]: wait until FILE is non-empty.
wait_for_file() {
        local f=$1 tries=${2:-100}
        while [ "$tries" -gt 0 ]; do
                [ -s "$f" ] && return 0
                sleep 0.05
                tries=$((tries - 1))
        done
        echo "timeout waiting for $f" >&2
        return 1
}

# --- host facts ----------------------------------------------------------------

# cgroup_path_of PID CONTROLLER: the host path of PID's cgroup for CONTROLLER
# (v1 hierarchy of that name, or the unified hierarchy).
cgroup_path_of() {
        local pid=$1 ctrl=$2 line rel
        line=$(grep -E "^[0-9]+:([^:]*,)?$ctrl(,[^:]*)?:" "/proc/$pid/cgroup" | head -1)
        if [ -n "$line" ] && [ -d "/sys/fs/cgroup/$ctrl" ]; then
                rel=${line#*:*:}
                echo "/sys/fs/cgroup/$ctrl$rel"
                return 0
        fi
        line=$(grep -E '^0::' "/proc/$pid/cgroup" | head -1)
        [ -n "$line" ] || return 1
        rel=${line#0::}
        if [ -d /sys/fs/cgroup/unified ]; then
                echo "/sys/fs/cgroup/unified$rel"
        else
                echo "/sys/fs/cgroup$rel"
        fi
}

# crun refuses hybrid cgroups unless hugetlb has a v1 hierarchy (MACHINE-NOTES).
ensure_crun_cgroups() {
        [ "$(id -u)" = 0 ] || return 0
        [ -d /sys/fs/cgroup/unified ] || return 0
        mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null && return 0
        grep -qw hugetlb /proc/cgroups || return 0
        mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null || true
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null || true
}

maybe_prepare_crun() {
        case "$(basename "$RUNTIME") $(basename "$DIFF_RUNTIME")" in
        *crun*) ensure_crun_cgroups ;;
        esac
}

# --- per-test setup and teardown --------------------------------------------

berth_setup() {
        # Not under bats' 0700 run dir: a container user (e.g. uid 100000 of a user
        # namespace) must be able to reach the bundle. Short, too: socket paths.
        TEST_TMP=$(mktemp -d "${BERTH_TEST_TMPDIR:-/tmp}/berth-test.XXXXXX")
        chmod 755 "$TEST_TMP"
        TEST_STATE=$TEST_TMP/state
        BUNDLE=$TEST_TMP/bundle
        : >"$TEST_TMP/cids"
        CID=$(new_cid)
        # The resolvers of user networks forward what they do not know to these: loopback only, so
        # that no test's query ever leaves the host (nothing listens there: such a lookup fails fast).
        echo "nameserver 127.0.0.1" >"$TEST_TMP/upstream.conf"
        BERTH_DNS_RESOLV_CONF=$TEST_TMP/upstream.conf
        export TEST_TMP TEST_STATE BUNDLE CID BERTH_DNS_RESOLV_CONF
}

berth_teardown() {
        local id bin
        [ -n "${TEST_TMP:-}" ] || return 0
        if [ -f "$TEST_TMP/cids" ]; then
                while read -r id; do
                        [ -n "$id" ] || continue
                        if [ -d "$TEST_STATE" ] && [ -x "$RUNTIME" ]; then
                                "$RUNTIME" --root "$TEST_STATE" delete --force "$id" >/dev/null 2>&1 || true
                        fi
                        for bin in "$DIFF_RUNTIME" /usr/bin/crun /usr/sbin/runc; do
                                [ -d "$TEST_TMP/state-$(basename "$bin")" ] || continue
                                "$bin" --root "$TEST_TMP/state-$(basename "$bin")" delete --force "$id" \
                                        >/dev/null 2>&1 || true
                        done
                done <"$TEST_TMP/cids"
        fi
        # Leftover mounts (a failed test's bind mounts) would make rm fail or recurse into the host.
        grep -F " $TEST_TMP/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null || true
        done
        rm -rf "$TEST_TMP"
}

setup() {
        berth_setup
}

teardown() {
        berth_teardown
}

setup_file() {
        maybe_prepare_crun
}

# berth_busybox_tar [HOOK]: from setup_file, the busybox rootfs tarball the
# berth CLI tests import ($BATS_FILE_TMPDIR/busybox.tar), its tree left in
# $BATS_FILE_TMPDIR/bbroot. HOOK, a function, may add files to the tree
# (given as $1) before it is archived. Nothing is made without busybox-static.
berth_busybox_tar() {
        local r=$BATS_FILE_TMPDIR/bbroot a
        [ -x /bin/busybox ] || return 0
        mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
        cp /bin/busybox "$r/bin/busybox"
        for a in $("$r/bin/busybox" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
        [ -z "${1:-}" ] || "$1" "$r"
        tar -C "$r" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
}

# --- the berth CLI on a store of this test's own ------------------------------

BERTH=${BERTH:-$BERTH_BUILD/src/berth/berth}

# b ARGS...: berth on this test's store ($TEST_TMP/root, $TEST_TMP/run), 60 s at most.
b() {
        timeout 60 "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" "$@"
}

# berth_store_setup: berth_setup, then busybox:latest (CMD sh) imported from the tar
# setup_file made with berth_busybox_tar; skips without berth or busybox-static.
berth_store_setup() {
        berth_setup
        [ -x "$BERTH" ] || berth_skip "berth not built at $BERTH"
        [ -s "$BATS_FILE_TMPDIR/busybox.tar" ] || berth_skip "no /bin/busybox (busybox-static)"
        b import -c 'CMD ["sh"]' "$BATS_FILE_TMPDIR/busybox.tar" busybox:latest >/dev/null
}

# berth_store_teardown: every container of the store removed, then its own networks, then
# berth_teardown (the bridges and rules are the host's: nothing of a test may stay).
berth_store_teardown() {
        local id
        if [ -n "${TEST_TMP:-}" ] && [ -x "$BERTH" ]; then
                for id in $(b ps -aq --no-trunc 2>/dev/null); do b rm -f "$id" >/dev/null 2>&1 || true; done
                for id in $(b network ls -q --no-trunc --filter type=custom 2>/dev/null); do
                        b network rm "$id" >/dev/null 2>&1 || true
                done
        fi
        berth_teardown
}
