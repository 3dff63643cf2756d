#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Bad input and faults against the image store: truncated and corrupt
# archives, wrong digests, hostile layer paths, garbage, a full disk, and
# kill -9 at random points of load, import and rmi. Each failure must be one
# clear line on stderr with Docker's exit status (1), leave `berth images` as
# it was, and leave a store that `berth system check` finds clean (a failed
# load collects what it spooled). A kill -9 may leave orphans and partial
# writes, never corruption: `system check --repair` then makes the store clean.

bats_require_minimum_version 1.5.0

load helpers
load lib-images

BASE_REF=berth-faults-base:1

setup_file() {
        [ -x "$BERTH" ] || return 0
        local d=$BATS_FILE_TMPDIR
        ensure_rootfs_file || return 0
        rootfs_tar "$BUSYBOX_ROOTFS" "$d/busybox.tar"
        mkdir -p "$d/extra"
        echo "extra layer" >"$d/extra/extra.txt"
        rootfs_tar "$d/extra" "$d/extra.tar"
        # The image every test starts with: two layers, tagged.
        mk_docker_archive "$d/base.tar" "$BASE_REF" "$d/busybox.tar" "$d/extra.tar" >"$d/base.id"
        # Another image sharing the busybox layer, for the corruption cases.
        mkdir -p "$d/other"
        echo "other layer" >"$d/other/other.txt"
        rootfs_tar "$d/other" "$d/other.tar"
        mk_docker_archive "$d/good.tar" berth-faults-good:1 "$d/busybox.tar" "$d/other.tar" >/dev/null
}

# ensure_rootfs without bats' skip (setup_file runs outside a test).
ensure_rootfs_file() {
        [ -x "$TEST_INIT" ] && "$BERTH_SRC/scripts/mk-busybox-rootfs.sh" "$BUSYBOX_ROOTFS" "$TEST_INIT" >&2
}

setup() {
        images_setup
        require_berth_cmd load
        require_berth_cmd system check
        [ -f "$BATS_FILE_TMPDIR/base.tar" ] || berth_skip "cannot make the test archives (busybox rootfs)"
        A=$BATS_FILE_TMPDIR
        berth load -i "$A/base.tar" >/dev/null
        BEFORE=$(images_list)
}

teardown() {
        berth_teardown
}

# load_fails FILE [PATTERN]: `berth load -i FILE` fails with one error line
# (matching PATTERN, an ERE, when given); images unchanged; the store clean.
load_fails() {
        run --separate-stderr berth load -i "$1"
        assert_one_error_line
        if [ -n "${2:-}" ] && ! grep -qiE -- "$2" <<<"$stderr"; then
                fail "error line \`$stderr\` does not match /$2/"
        fi
        [ "$(images_list)" = "$BEFORE" ] || fail "images changed: $(images_list)"
        assert_store_clean
}

@test "faults: the test archives load (control)" {
        run berth load -i "$A/good.tar"
        assert_status 0
        assert_line_match '^Loaded image: berth-faults-good:1$'
        [ "$(image_id "$BASE_REF")" = "$(cat "$A/base.id")" ]
        assert_store_clean
}

@test "faults: an archive truncated at 50% is refused" {
        local size
        size=$(stat -c %s "$A/good.tar")
        head -c $((size / 2)) "$A/good.tar" >"$TEST_TMP/trunc.tar"
        load_fails "$TEST_TMP/trunc.tar"
        # Also from stdin.
        run --separate-stderr berth load <"$TEST_TMP/trunc.tar"
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
        assert_store_clean
}

@test "faults: a truncated archive whose cut falls inside a layer is refused" {
        local cut
        # Just past the start of the last layer blob's data.
        cut=$(python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = max((m for m in t.getmembers() if m.isfile()), key=lambda m: m.size)
print(m.offset_data + m.size // 3)' "$A/good.tar")
        head -c "$cut" "$A/good.tar" >"$TEST_TMP/trunc.tar"
        load_fails "$TEST_TMP/trunc.tar"
}

@test "faults: a flipped byte in a layer blob is refused" {
        # A layer the store does not have (the busybox one it has: next test).
        mkdir -p "$TEST_TMP/l"
        head -c 300000 /dev/urandom >"$TEST_TMP/l/random.bin"
        rootfs_tar "$TEST_TMP/l" "$TEST_TMP/l.tar"
        mk_docker_archive "$TEST_TMP/flip.tar" berth-faults-flip:1 "$TEST_TMP/l.tar" >/dev/null
        run berth load -i "$TEST_TMP/flip.tar"
        assert_status 0
        berth rmi berth-faults-flip:1 >/dev/null
        assert_store_clean
        flip_layer_byte "$TEST_TMP/flip.tar"
        load_fails "$TEST_TMP/flip.tar" 'digest|checksum|corrupt|mismatch|verif'
}

@test "faults: a flipped byte in a layer the store already has is refused, the store's copy kept" {
        # The busybox layer is in the store (base image); the archive's copy is damaged.
        # Refusing is right; so is skipping a blob the store already holds (as
        # Docker does), as long as the store's intact copy is what stays.
        cp "$A/base.tar" "$TEST_TMP/flip.tar"
        flip_layer_byte "$TEST_TMP/flip.tar"
        run --separate-stderr berth load -i "$TEST_TMP/flip.tar"
        if [ "$status" -ne 0 ]; then
                assert_one_error_line
        fi
        [ "$(images_list)" = "$BEFORE" ] || fail "images changed: $(images_list)"
        assert_store_clean
        run berth save -o "$TEST_TMP/saved.tar" "$BASE_REF"
        assert_status 0
        tar_layers_have "$TEST_TMP/saved.tar" bin/busybox
}

@test "faults: a layer stored under the wrong digest name is refused" {
        MKARCHIVE_TAMPER=name-digest mk_docker_archive "$TEST_TMP/bad.tar" berth-faults-bad:1 \
                "$A/busybox.tar" "$A/other.tar" >/dev/null
        load_fails "$TEST_TMP/bad.tar" 'digest|checksum|mismatch|verif'
}

@test "faults: a wrong diff ID in the config is refused" {
        MKARCHIVE_TAMPER=diff-id mk_docker_archive "$TEST_TMP/bad.tar" berth-faults-bad:1 \
                "$A/other.tar" >/dev/null
        load_fails "$TEST_TMP/bad.tar" 'diff|digest|mismatch'
}

@test "faults: manifest.json naming a missing config is refused" {
        MKARCHIVE_TAMPER=no-config mk_docker_archive "$TEST_TMP/bad.tar" berth-faults-bad:1 \
                "$A/other.tar" >/dev/null
        load_fails "$TEST_TMP/bad.tar"
}

@test "faults: a wrong digest written into manifest.json is refused" {
        # manifest.json's Config names a blob path whose digest is not its content's.
        python3 - "$A/good.tar" "$TEST_TMP/bad.tar" <<'EOF'
import io, json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        if m.name == "manifest.json":
            man = json.loads(data)
            man[0]["Config"] = "blobs/sha256/" + "0" * 64
            data = json.dumps(man).encode()
            m.size = len(data)
        o.addfile(m, io.BytesIO(data) if data is not None else None)
EOF
        load_fails "$TEST_TMP/bad.tar"
}

@test "faults: garbage input is refused" {
        head -c 200000 /dev/urandom >"$TEST_TMP/garbage"
        load_fails "$TEST_TMP/garbage"
        run --separate-stderr berth load <"$TEST_TMP/garbage"
        assert_one_error_line
}

@test "faults: empty input is refused" {
        : >"$TEST_TMP/empty"
        load_fails "$TEST_TMP/empty"
        run --separate-stderr berth load </dev/null
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
}

@test "faults: a tar without manifest.json or index.json is refused" {
        rootfs_tar "$A/other" "$TEST_TMP/plain.tar"
        load_fails "$TEST_TMP/plain.tar"
}

@test "faults: import of garbage is refused" {
        require_berth_cmd import
        head -c 100000 /dev/urandom >"$TEST_TMP/garbage"
        run --separate-stderr berth import "$TEST_TMP/garbage" berth-faults-imp:1
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
        assert_store_clean
}

# hostile_load KIND: a one-layer image whose layer tries to write a marker
# file outside the layer; nothing may appear on the host.
hostile_load() {
        local kind=$1 marker
        marker=/tmp/berth-escape-$$-$RANDOM
        rm -f "$marker"
        mk_hostile_layer "$TEST_TMP/layer.tar" "$kind" "$marker"
        mk_docker_archive "$TEST_TMP/hostile.tar" "berth-faults-hostile:$kind" "$TEST_TMP/layer.tar" >/dev/null
        run --separate-stderr berth load -i "$TEST_TMP/hostile.tar"
        if [ -e "$marker" ]; then
                rm -f "$marker"
                fail "the layer wrote $marker on the host"
        fi
        [ "$status" -ne 0 ] && [ "$status" -ne 1 ] && fail "exit status $status (stderr: $stderr)"
        [ ! -e /etc/hostname ] || [ "$(cat /etc/hostname)" != pwned ] || fail "/etc/hostname overwritten"
        HOSTILE_MARKER=$marker
}

@test "faults: hostile layer: ../ in a name is refused" {
        hostile_load dotdot
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
        assert_store_clean
}

@test "faults: hostile layer: an absolute name is contained (or refused)" {
        hostile_load absolute
        if [ "$status" -eq 0 ]; then
                # Contained: the file is inside the unpacked layer, not on the host.
                compgen -G "$BERTH_ROOT/layers/*/diff$HOSTILE_MARKER" >/dev/null \
                        || fail "loaded, but $HOSTILE_MARKER is not inside the layer"
        else
                assert_one_error_line
                [ "$(images_list)" = "$BEFORE" ]
        fi
        assert_store_clean
}

@test "faults: hostile layer: a file through an absolute symlink is refused" {
        hostile_load symlink
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
        assert_store_clean
}

@test "faults: hostile layer: a file through a relative symlink climbing out is refused" {
        hostile_load symlink-rel
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
        assert_store_clean
}

@test "faults: hostile layer: a hardlink to a host file is refused" {
        hostile_load hardlink
        assert_one_error_line
        [ "$(images_list)" = "$BEFORE" ]
        assert_store_clean
}

@test "faults: a full disk: a clear ENOSPC error, the store consistent" {
        local root=$TEST_TMP/tmpfs-root
        mkdir -p "$root"
        mount -t tmpfs -o size=8m tmpfs "$root" || berth_skip "cannot mount a tmpfs"
        export BERTH_ROOT=$root
        run berth load -i "$A/base.tar"
        assert_status 0
        local before
        before=$(images_list)
        # 12 MiB of incompressible data in one layer: cannot fit in 8 MiB.
        mkdir -p "$TEST_TMP/big"
        head -c $((12 << 20)) /dev/urandom >"$TEST_TMP/big/blob.bin"
        rootfs_tar "$TEST_TMP/big" "$TEST_TMP/big-layer.tar"
        mk_docker_archive "$TEST_TMP/big.tar" berth-faults-big:1 "$A/busybox.tar" "$TEST_TMP/big-layer.tar" \
                >/dev/null
        run --separate-stderr berth load -i "$TEST_TMP/big.tar"
        assert_one_error_line
        grep -q 'No space left on device' <<<"$stderr" || fail "error without ENOSPC: $stderr"
        [ "$(images_list)" = "$before" ] || fail "images changed: $(images_list)"
        # No corruption; whatever was left over goes with --repair.
        assert_store_not_corrupt
        run berth system check --repair
        [ "$status" -eq 0 ] || fail "system check --repair: exit $status: $output"
        assert_store_clean
        [ "$(images_list)" = "$before" ]
        # And the store still works: the base image saves, a small load succeeds.
        run berth save -o "$TEST_TMP/saved.tar" "$BASE_REF"
        assert_status 0
        run berth load -i "$A/good.tar"
        assert_status 0
        assert_store_clean
}

@test "faults: a full disk during import" {
        require_berth_cmd import
        local root=$TEST_TMP/tmpfs-root
        mkdir -p "$root"
        mount -t tmpfs -o size=8m tmpfs "$root" || berth_skip "cannot mount a tmpfs"
        export BERTH_ROOT=$root
        mkdir -p "$TEST_TMP/big"
        head -c $((12 << 20)) /dev/urandom >"$TEST_TMP/big/blob.bin"
        rootfs_tar "$TEST_TMP/big" "$TEST_TMP/big-rootfs.tar"
        run --separate-stderr berth import "$TEST_TMP/big-rootfs.tar" berth-faults-big:1
        assert_one_error_line
        grep -q 'No space left on device' <<<"$stderr" || fail "error without ENOSPC: $stderr"
        [ -z "$(images_list)" ] || fail "images appeared: $(images_list)"
        assert_store_not_corrupt
        berth system check --repair >/dev/null
        assert_store_clean
}

# sleep_ms N
sleep_ms() {
        sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# kill_after MS CMD...: run CMD in the background, SIGKILL it after MS milliseconds
# (if still running), reap it. Returns 0.
kill_after() {
        local ms=$1 pid
        shift
        "$@" </dev/null >/dev/null 2>&1 &
        pid=$!
        sleep_ms "$ms"
        kill -9 "$pid" 2>/dev/null || true
        local rc=0
        wait "$pid" 2>/dev/null || rc=$?
        if [ "$rc" -eq 137 ]; then
                KILLED=$((KILLED + 1))
        else
                COMPLETED=$((COMPLETED + 1))
        fi
}

@test "faults: 50 kill -9 at random points of load, import and rmi" {
        require_berth_cmd import
        require_berth_cmd rmi
        local big=berth-faults-kill:1 small=berth-faults-kill-small:1 imp=berth-faults-kill-imp:1
        local t0 t1 i ms
        # Two payloads: a slow one (the busybox layer's symlinks, many small files, 8 MiB of
        # data: kills land inside the unpacking) and a quick one (kills land anywhere,
        # registration included).
        mkdir -p "$TEST_TMP/many/d" "$TEST_TMP/few"
        for i in $(seq 800); do echo "$i" >"$TEST_TMP/many/d/f$i"; done
        head -c $((8 << 20)) /dev/urandom >"$TEST_TMP/many/data.bin"
        for i in $(seq 20); do echo "$i" >"$TEST_TMP/few/f$i"; done
        head -c $((1 << 20)) /dev/urandom >"$TEST_TMP/few/data.bin"
        rootfs_tar "$TEST_TMP/many" "$TEST_TMP/many.tar"
        rootfs_tar "$TEST_TMP/few" "$TEST_TMP/few.tar"
        mk_docker_archive "$TEST_TMP/k.tar" "$big" "$A/busybox.tar" "$TEST_TMP/many.tar" >/dev/null
        mk_docker_archive "$TEST_TMP/s.tar" "$small" "$TEST_TMP/few.tar" >/dev/null

        for i in k s; do
                t0=$(date +%s%N)
                berth load -i "$TEST_TMP/$i.tar" >/dev/null
                t1=$(date +%s%N)
                echo "# one load of $i.tar: $(((t1 - t0) / 1000000)) ms" >&3
        done
        berth rmi "$big" "$small" >/dev/null
        assert_store_clean

        SECONDS=0
        KILLED=0 COMPLETED=0
        for i in $(seq 50); do
                ms=$((RANDOM % 301))
                case $((i % 4)) in
                0) kill_after "$ms" "$BERTH" import "$TEST_TMP/few.tar" "$imp" ;;
                1 | 3) kill_after "$ms" "$BERTH" load -i "$TEST_TMP/k.tar" ;;
                2) kill_after "$ms" "$BERTH" load -i "$TEST_TMP/s.tar" ;;
                esac
                # The store answers after every kill: no lock outlives its holder.
                timeout 20 "$BERTH" images -q >/dev/null || fail "iteration $i: images failed after a kill"
                if [ $((i % 3)) -eq 0 ]; then
                        kill_after $((RANDOM % 60)) "$BERTH" rmi -f "$big" "$small" "$imp"
                fi
        done
        echo "# 50 kill -9 rounds in ${SECONDS} s: $KILLED commands killed, $COMPLETED had finished" >&3
        [ "$KILLED" -gt 0 ] || fail "no kill landed while a command ran"

        # Orphans and partial writes are allowed; corruption is not.
        assert_store_not_corrupt
        echo "# before --repair: $("$BERTH" system check 2>/dev/null | tail -1)" >&3
        run berth system check --repair
        [ "$status" -eq 0 ] || fail "system check --repair: exit $status: $output"
        assert_store_clean
        # The base image came through untouched, and every surviving image is whole.
        grep -qF "$(cat "$A/base.id")" <<<"$(images_list)" || fail "the base image is gone: $(images_list)"
        for i in $(berth images -q --no-trunc); do
                berth save -o "$TEST_TMP/check.tar" "$i" || fail "cannot save $i after the kills"
                [ -s "$TEST_TMP/check.tar" ] || fail "empty archive of $i"
                use_store check
                berth load -i "$TEST_TMP/check.tar" >/dev/null || fail "the saved $i does not load"
                images_setup_root
        done
        # And a load from scratch still works, then an rmi leaves the store clean.
        run berth load -i "$TEST_TMP/k.tar"
        assert_status 0
        assert_line_match "^Loaded image: $big\$"
        run berth rmi -f "$big"
        assert_status 0
        assert_store_clean
}
