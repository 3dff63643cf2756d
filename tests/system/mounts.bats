#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Mounts: binds (ro/rw), tmpfs options, read-only rootfs, masked and read-only
# paths, /proc/sys and cgroupfs read-only, /dev, and destinations that try to
# leave the rootfs through symlinks.

load helpers

setup() {
        berth_setup
        require_runtime
        mkdir -p "$TEST_TMP/host"
        echo "from the host" >"$TEST_TMP/host/file"
}

# mount_line DEST: the mountinfo line of DEST inside the container output.
mount_line() {
        awk -v d="$1" '$5 == d' <<<"$output" | tail -1
}

@test "bind: read-only bind mount can be read, not written" {
        make_bundle "$BUNDLE" /init cat /mnt/ro/file
        spec_set '.mounts += [{destination: "/mnt/ro", type: "bind", source: $s, options: ["rbind", "ro"]}]' \
                --arg s "$TEST_TMP/host"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output "from the host"
        set_args /init write /mnt/ro/new x
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 2
        assert_line_match 'Read-only file system'
        [ ! -e "$TEST_TMP/host/new" ]
}

@test "bind: read-write bind mount writes through to the host" {
        make_bundle "$BUNDLE" /init write /mnt/rw/new written-inside
        spec_set '.mounts += [{destination: "/mnt/rw", type: "bind", source: $s, options: ["rbind", "rw"]}]' \
                --arg s "$TEST_TMP/host"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        [ "$(cat "$TEST_TMP/host/new")" = written-inside ]
}

@test "bind: a file onto a file, destination created" {
        make_bundle "$BUNDLE" /init cat /etc/berth-file
        spec_set '.mounts += [{destination: "/etc/berth-file", type: "bind", source: $s, options: ["bind", "ro"]}]' \
                --arg s "$TEST_TMP/host/file"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output "from the host"
}

@test "bind: a missing source fails the container" {
        make_bundle "$BUNDLE" /init true
        spec_set '.mounts += [{destination: "/mnt/x", type: "bind", source: $s, options: ["rbind"]}]' \
                --arg s "$TEST_TMP/does-not-exist"
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "tmpfs: options size, mode, nosuid, noexec are applied" {
        make_bundle "$BUNDLE" /init mountinfo
        spec_set '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs",
                               options: ["nosuid", "noexec", "nodev", "size=1m", "mode=1770"]}]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        local line
        line=$(mount_line /scratch)
        [ -n "$line" ] || fail "no /scratch mount"
        grep -qE ' - tmpfs ' <<<"$line" || fail "not tmpfs: $line"
        grep -qE '[ ,]nosuid' <<<"$line" || fail "not nosuid: $line"
        grep -qE '[ ,]noexec' <<<"$line" || fail "not noexec: $line"
        grep -qE '[ ,]nodev' <<<"$line" || fail "not nodev: $line"
        grep -qE 'size=1024k' <<<"$line" || fail "size not 1m: $line"
        grep -qE 'mode=1770' <<<"$line" || fail "mode not 1770: $line"
}

@test "tmpfs: the destination directory is created" {
        make_bundle "$BUNDLE" /init write /a/b/c/file ok
        spec_set '.mounts += [{destination: "/a/b/c", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        [ -d "$BUNDLE/rootfs/a/b/c" ]
        [ ! -e "$BUNDLE/rootfs/a/b/c/file" ]
}

@test "root.readonly: the rootfs is read-only, mounts on it stay writable" {
        make_bundle "$BUNDLE" /init write /newfile x
        spec_set '.root.readonly = true
                  | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 2
        assert_line_match 'Read-only file system'
        [ ! -e "$BUNDLE/rootfs/newfile" ]
        set_args /init write /tmp/newfile x
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
}

@test "maskedPaths: files read empty, directories are empty" {
        local f
        for f in /proc/kcore /proc/keys /proc/timer_list; do
                [ -e "$f" ] && break
        done
        [ -e "$f" ] || skip "no maskable /proc file on this kernel"
        make_bundle "$BUNDLE" /init cat "$f"
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output ""
        set_args /init ls /sys/firmware
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
        assert_output ""
}

@test "maskedPaths: a configured path is masked, a missing one is ignored" {
        make_bundle "$BUNDLE" /init cat /etc/passwd
        spec_set '.linux.maskedPaths += ["/etc/passwd", "/does/not/exist"]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output ""
}

@test "readonlyPaths: /proc/sys is read-only" {
        make_bundle "$BUNDLE" /init write /proc/sys/kernel/hostname changed
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 2
        assert_line_match 'Read-only file system'
        set_args /init mountinfo
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
        mount_line /proc/sys | grep -qE '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /proc/sys ro[, ]' \
                || fail "/proc/sys not ro: $(mount_line /proc/sys)"
}

@test "readonlyPaths: a configured path becomes read-only" {
        make_bundle "$BUNDLE" /init write /etc/hostname x
        spec_set '.linux.readonlyPaths += ["/etc"]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 2
        assert_line_match 'Read-only file system'
}

@test "cgroupfs: /sys/fs/cgroup is mounted read-only" {
        make_bundle "$BUNDLE" /init mountinfo
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        local lines
        lines=$(awk '$5 ~ "^/sys/fs/cgroup"' <<<"$output")
        [ -n "$lines" ] || fail "no cgroup mount"
        # Every cgroup mount (each v1 controller, or cgroup2) is ro.
        if grep -E ' - cgroup2? ' <<<"$lines" | grep -vE '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ ro[, ]'; then
                fail "a cgroup mount is writable"
        fi
        # The v1 tmpfs that holds the controllers too, as the "ro" option asks; runc and
        # crun leave it writable (harmless: it is private to the container).
        runtime_is runc || runtime_is crun || \
                ! awk '$5 == "/sys/fs/cgroup"' <<<"$lines" | grep -vE '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ ro[, ]' \
                || fail "/sys/fs/cgroup is writable"
}

@test "cgroupfs: writes to the container's cgroup files fail" {
        make_bundle "$BUNDLE" /init pause
        start_bg "$CID"
        local f
        run rt exec "$CID" /init ls /sys/fs/cgroup
        assert_status 0
        if [ -d /sys/fs/cgroup/pids ] && grep -q '^pids$' <<<"$output"; then
                f=/sys/fs/cgroup/pids/pids.max
        else
                f=/sys/fs/cgroup/pids.max
        fi
        run rt exec "$CID" /init write "$f" 1
        [ "$status" -ne 0 ]
}

@test "sysfs: /sys is read-only" {
        make_bundle "$BUNDLE" /init write /sys/kernel/mm/transparent_hugepage/enabled never
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "/dev: standard devices exist and /dev/null is char 1:3" {
        make_bundle "$BUNDLE" /init ls /dev
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        local d
        for d in null zero full random urandom tty pts shm mqueue fd stdin stdout stderr ptmx; do
                grep -qx "$d" <<<"$output" || fail "/dev/$d missing"
        done
        set_args /bin/stat -c '%F %t:%T' /dev/null
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
        assert_output "character special file 1:3"
}

@test "/dev: devices not in linux.devices are not accessible (device cgroup)" {
        make_bundle "$BUNDLE" /bin/sh -c 'mknod /tmp/sda b 8 0 && head -c 1 /tmp/sda'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "linux.devices: a configured device node is created" {
        make_bundle "$BUNDLE" /bin/stat -c '%F %t:%T %a' /dev/berth-null
        spec_set '.linux.devices = [{path: "/dev/berth-null", type: "c", major: 1, minor: 3, fileMode: 438}]
                  | .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output "character special file 1:3 666"
}

@test "escape: a mount destination through an absolute symlink stays in the rootfs" {
        local name="berth-escape-$$-$RANDOM"
        make_bundle "$BUNDLE" /init ls /
        ln -s / "$BUNDLE/rootfs/evil"
        spec_set '.mounts += [{destination: ("/evil/" + $n), type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]' \
                --arg n "$name"
        run rt run --bundle "$BUNDLE" "$CID"
        [ ! -e "/$name" ] || { rmdir "/$name"; fail "the mount destination escaped to the host: /$name"; }
}

@test "escape: a mount destination through ../ stays in the rootfs" {
        local name="berth-escape-$$-$RANDOM"
        make_bundle "$BUNDLE" /init ls /
        spec_set '.mounts += [{destination: ("/../../../../../../" + $n), type: "tmpfs", source: "tmpfs",
                               options: ["size=1m"]}]' --arg n "$name"
        run rt run --bundle "$BUNDLE" "$CID"
        [ ! -e "/$name" ] || { rmdir "/$name"; fail "the mount destination escaped to the host: /$name"; }
}
