#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `berth system check [--repair]`, `berth system df`, `berth info`: each test
# in its own store (--root), broken on purpose where the test says so.

load helpers

BERTH_BIN=${BERTH_BIN:-$BERTH_BUILD/src/berth/berth}

setup() {
        berth_setup
        [ -x "$BERTH_BIN" ] || berth_skip "berth \`$BERTH_BIN\` not built"
        ROOT=$TEST_TMP/root
}

b() {
        "$BERTH_BIN" --root "$ROOT" --runroot "$TEST_TMP/run" "$@"
}

# mk_image REF CONTENT: import a one-file rootfs as REF; prints the image ID.
mk_image() {
        local dir=$TEST_TMP/rootfs-$RANDOM
        mkdir -p "$dir/etc"
        echo "$2" >"$dir/etc/content"
        head -c 2048 /dev/urandom >"$dir/etc/noise"
        tar -C "$dir" -cf "$dir.tar" .
        b import "$dir.tar" "$1"
}

# layer_blob REF: the path of the image's (only) layer blob.
layer_blob() {
        local id man
        man=$(jq -r --arg r "docker.io/library/$1" '.images[] | select(.tags | index($r)) | .manifest' \
                "$ROOT/images/index.json")
        id=$(jq -r '.layers[0].digest' "$ROOT/blobs/sha256/${man#sha256:}")
        echo "$ROOT/blobs/sha256/${id#sha256:}"
}

@test "system check: an empty store and a store with images are clean" {
        run b system check
        assert_status 0
        assert_line_match 'the store is clean'
        mk_image one:1 one
        mk_image two:1 two
        run b system check
        assert_status 0
        assert_output "checked 2 images, 6 blobs, 2 layers: the store is clean"
}

@test "system check: a flipped byte in a layer blob is found, --repair drops the image" {
        mk_image one:1 one
        mk_image two:1 two
        local blob
        blob=$(layer_blob one:1)
        printf 'X' | dd of="$blob" bs=1 seek=700 conv=notrunc status=none
        run b system check
        assert_status 1
        assert_line_match "^corrupt-blob: sha256:$(basename "$blob"): content hashes to sha256:"
        assert_line_match '^broken-image: .*docker.io/library/one:1'
        [ -f "$blob" ] || fail "a check without --repair removed the blob"
        run b system check --repair
        assert_status 0
        assert_line_match '\(repaired: dropped from the index\)'
        assert_line_match '\(repaired: removed\)'
        run b system check
        assert_status 0
        assert_line_match 'the store is clean'
        run b system df --format '{{.Type}} {{.TotalCount}}'
        assert_line_match '^Images 1$'
}

@test "system check: partial writes and orphans are reported and removed" {
        mk_image one:1 one
        mkdir -p "$ROOT/layers/.tmp-4242-deadbeef/diff/usr"
        echo '{"images":[' >"$ROOT/images/index.json.tmp-99"
        echo junk >"$ROOT/blobs/sha256/halfwritten"
        local orphan
        orphan=$(printf 'nobody references me' | sha256sum | cut -d' ' -f1)
        printf 'nobody references me' >"$ROOT/blobs/sha256/$orphan"
        run b system check
        assert_status 1
        assert_line_match '^partial-write: layers/\.tmp-4242-deadbeef: '
        assert_line_match '^partial-write: images/index\.json\.tmp-99: '
        assert_line_match '^partial-write: blobs/sha256/halfwritten: '
        assert_line_match "^orphan-blob: sha256:$orphan: no image references it$"
        assert_line_match '4 problems, 0 repaired'
        run b system check --repair
        assert_status 0
        assert_line_match '4 problems, 4 repaired'
        [ ! -e "$ROOT/layers/.tmp-4242-deadbeef" ] || fail "temp layer dir left"
        [ ! -e "$ROOT/blobs/sha256/$orphan" ] || fail "orphan blob left"
        run b system check
        assert_status 0
        run b system df --format '{{.Type}} {{.TotalCount}}'
        assert_line_match '^Images 1$'
}

@test "system check: a deleted layer dir is unpacked again by --repair" {
        mk_image one:1 one
        local dir
        dir=$(find "$ROOT/layers" -mindepth 1 -maxdepth 1 -type d | head -1)
        rm -rf "$dir"
        run b system check
        assert_status 1
        assert_line_match "^missing-layer: sha256:$(basename "$dir"): "
        run b system check --repair
        assert_status 0
        assert_line_match 'unpacked again from its blob'
        [ "$(cat "$dir/diff/etc/content")" = one ] || fail "layer content not back"
        run b system check
        assert_status 0
}

@test "system check: a truncated index is rebuilt from the manifests (untagged)" {
        mk_image one:1 one
        mk_image two:1 two
        truncate -s 30 "$ROOT/images/index.json"
        run b system check
        assert_status 1
        assert_line_match '^corrupt-index: images/index\.json: '
        assert_line_match '1 problem, 0 repaired'
        run b system check --repair
        assert_status 0
        assert_line_match 'rebuilt from the manifests in the store: 2 images, untagged'
        run b system check
        assert_status 0
        run b system df -v --format '{{.Repository}}:{{.Tag}}'
        assert_status 0
        assert_output $'<none>:<none>\n<none>:<none>'
}

@test "system check: takes no arguments" {
        run b system check extra
        assert_status 1
        assert_line_match "accepts no arguments"
}

@test "system df: docker's rows, image count and sizes; -v lists images; --format json" {
        run b system df
        assert_status 0
        assert_line_match '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
        assert_line_match '^Images +0 +0 +0B +0B$'
        assert_line_match '^Containers +0 +0 +0B +0B$'
        assert_line_match '^Local Volumes +0 +0 +0B +0B$'
        assert_line_match '^Build Cache +0 +0 +0B +0B$'
        mk_image one:1 one
        mk_image two:1 two
        run b system df
        assert_line_match '^Images +2 +0 +[0-9.]+kB +[0-9.]+kB \(100%\)$'
        run b system df -v
        assert_status 0
        assert_line_match '^Images space usage:$'
        assert_line_match '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$'
        assert_line_match '^one +1 +[0-9a-f]{12} +.* ago +[0-9.]+kB +0B +[0-9.]+kB +0$'
        assert_line_match '^two +1 +[0-9a-f]{12} '
        assert_line_match '^Build cache usage: 0B$'
        run b system df --format json
        assert_status 0
        [ "$(jq -r 'select(.Type == "Images") | .TotalCount' <<<"$output")" = 2 ] || fail "json: $output"
}

@test "info: root dir, image count, cgroup version, --format" {
        mk_image one:1 one
        run b info
        assert_status 0
        assert_line_match "^ Berth Root Dir: $ROOT\$"
        assert_line_match 'Root Dir: '
        assert_line_match '^ Images: 1$'
        assert_line_match '^ Storage Driver: overlay2$'
        assert_line_match '^ Cgroup Driver: cgroupfs$'
        assert_line_match '^ Cgroup Version: [12]$'
        assert_line_match '^ Default Runtime: berth$'
        assert_line_match '^ Total Memory: [0-9.]+[KMGT]iB$'
        assert_line_match "^ CPUs: $(nproc)\$"
        assert_line_match "^ Kernel Version: $(uname -r)\$"
        run b info --format '{{.DockerRootDir}} {{.Images}} {{.OSType}}'
        assert_status 0
        assert_output "$ROOT 1 linux"
        run b info --format json
        [ "$(jq -r .Driver <<<"$output")" = overlay2 ] || fail "json: $output"
        # Cgroup version agrees with the host: hybrid counts as 1, as docker says.
        local want=1
        [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && want=2
        run b info --format '{{.CgroupVersion}}'
        assert_output "$want"
}
