#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The berth image commands against docker's output, errors and exit codes:
# import, images, tag, rmi, image prune, history, inspect, save, load.

load helpers

BERTH=${BERTH:-$BERTH_BUILD/src/berth/berth}

setup() {
        berth_setup
        [ -x "$BERTH" ] || berth_skip "berth not built at $BERTH"
        mkdir -p "$TEST_TMP/rootfs/bin" "$TEST_TMP/rootfs/etc"
        echo hello-from-image >"$TEST_TMP/rootfs/hello"
        echo 'root:x:0:0:root:/root:/bin/sh' >"$TEST_TMP/rootfs/etc/passwd"
        tar -C "$TEST_TMP/rootfs" -cf "$TEST_TMP/rootfs.tar" .
}

teardown() {
        berth_teardown
}

# b ARGS...: berth on this test's own store.
b() {
        "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" "$@"
}

# b2 ARGS...: a second store, the "other host" of the course's transfer.
b2() {
        "$BERTH" --root "$TEST_TMP/root2" --runroot "$TEST_TMP/run2" "$@"
}

@test "import: plain, gzip, xz and stdin tarballs, with --change and -m" {
        gzip -c "$TEST_TMP/rootfs.tar" >"$TEST_TMP/rootfs.tar.gz"
        xz -c "$TEST_TMP/rootfs.tar" >"$TEST_TMP/rootfs.tar.xz"
        run b import -c 'CMD ["sh"]' -c 'ENV A=1' -c 'LABEL k=v' -m first "$TEST_TMP/rootfs.tar" plain:1
        assert_status 0
        [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "import printed: $output"
        run b import "$TEST_TMP/rootfs.tar.gz" gz:1
        assert_status 0
        run b import "$TEST_TMP/rootfs.tar.xz" xz:1
        assert_status 0
        run b import - stdin:1 <"$TEST_TMP/rootfs.tar"
        assert_status 0
        run b inspect -f '{{.Config.Cmd}} {{.Config.Env}} {{.Config.Labels.k}} {{.Comment}}' plain:1
        assert_output '[sh] [A=1] v first'
        run b inspect -f '{{.Comment}}' gz:1
        assert_output 'Imported from -'
        # The same content gives the same layer whatever the compression.
        run b inspect -f '{{index .RootFS.Layers 0}}' xz:1
        [ "$output" = "$(b inspect -f '{{index .RootFS.Layers 0}}' stdin:1)" ]
        run b images --format '{{.Repository}}:{{.Tag}}'
        for r in plain:1 gz:1 xz:1 stdin:1; do assert_line_match "^$r\$"; done
}

@test "import: errors read as docker's" {
        run b import "$TEST_TMP/nonexistent.tar"
        assert_status 1
        assert_output "berth: open $TEST_TMP/nonexistent.tar: no such file or directory"
        run b import -c 'BOGUS x' "$TEST_TMP/rootfs.tar"
        assert_status 1
        assert_line_match 'bogus is not a valid change command'
        run b import "$TEST_TMP/rootfs.tar" 'Bad:Name'
        assert_status 1
        assert_line_match 'invalid reference format'
        run b images -q
        assert_output ''
}

@test "images: docker's columns, one row per tag, untagged as <none>, -q, --no-trunc, --digests" {
        id=$(b import "$TEST_TMP/rootfs.tar" busybox:latest)
        b tag busybox other/app:2
        b import "$TEST_TMP/rootfs.tar" >/dev/null
        run b images
        assert_status 0
        [ "${lines[0]}" = "REPOSITORY   TAG       IMAGE ID       CREATED                  SIZE" ] \
                || [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] || fail "${lines[0]}"
        assert_line_match "^busybox +latest +${id:7:12} +.* ago +[0-9.]+k?B$"
        assert_line_match "^other/app +2 +${id:7:12} "
        assert_line_match '^<none> +<none> +[0-9a-f]{12} '
        [ "${#lines[@]}" -eq 4 ]
        run b images -q
        [ "${#lines[@]}" -eq 3 ]
        assert_line_match "^${id:7:12}\$"
        run b images -q --no-trunc busybox
        assert_output "$id"
        run b images --digests busybox
        [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID ]] || fail "${lines[0]}"
        assert_line_match '^busybox +latest +<none> '
        # Both spellings list the same.
        [ "$(b images -q | sort)" = "$(b image ls -q | sort)" ]
        [ "$(b image list -q | sort)" = "$(b image ls -q | sort)" ]
}

@test "images: --format table, json and templates" {
        id=$(b import "$TEST_TMP/rootfs.tar" fmt:1)
        run b images --format '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}'
        assert_output "fmt 1 ${id:7:12} $(b images --format '{{.Size}}')"
        run b images --format 'table {{.Repository}}\t{{.Tag}}'
        [ "${lines[0]}" = "REPOSITORY   TAG" ]
        [ "${lines[1]}" = "fmt          1" ]
        run b images --format json
        assert_status 0
        [ "$(jq -r .Repository <<<"$output")" = fmt ]
        [ "$(jq -r .Containers <<<"$output")" = N/A ]
        [ "$(jq -r 'keys | join(",")' <<<"$output")" = \
                "Containers,CreatedAt,CreatedSince,Digest,ID,Repository,SharedSize,Size,Tag,UniqueSize,VirtualSize" ]
        run b images --format '{{.Nope'
        assert_status 1
}

@test "images: filters and the REPOSITORY argument" {
        b import -c 'LABEL team=a' "$TEST_TMP/rootfs.tar" one:1 >/dev/null
        sleep 1.1
        echo more >"$TEST_TMP/rootfs/more"
        tar -C "$TEST_TMP/rootfs" -cf "$TEST_TMP/rootfs2.tar" .
        b import -c 'LABEL team=b' "$TEST_TMP/rootfs2.tar" two:1 >/dev/null
        b tag two:1 two:extra
        sleep 1.1
        echo third >"$TEST_TMP/rootfs/third"
        tar -C "$TEST_TMP/rootfs" -cf "$TEST_TMP/rootfs3.tar" .
        b import "$TEST_TMP/rootfs3.tar" >/dev/null
        run b images --format '{{.Repository}}:{{.Tag}}' two
        assert_output $'two:extra\ntwo:1' || assert_output $'two:1\ntwo:extra'
        run b images --format '{{.Repository}}:{{.Tag}}' -f 'reference=t*:e*'
        assert_output 'two:extra'
        run b images --format '{{.Repository}}' -f dangling=true
        assert_output '<none>'
        run b images -q -f dangling=false
        [ "${#lines[@]}" -eq 3 ]
        run b images --format '{{.Repository}}' -f label=team=a
        assert_output 'one'
        run b images --format '{{.Repository}}' -f label=team
        [ "${#lines[@]}" -eq 3 ]
        run b images --format '{{.Repository}}' -f before=two:1
        assert_output 'one'
        run b images --format '{{.Repository}}:{{.Tag}}' -f since=one:1 -f dangling=false
        [ "${#lines[@]}" -eq 2 ]
        refute_line_match '^one'
        run b images -f bogus=1
        assert_status 1
        assert_output "berth: Invalid filter 'bogus'"
        run b images -f since=nosuch
        assert_status 1
        assert_output "berth: No such image: nosuch:latest"
}

@test "tag and rmi: untag vs delete, the deleted layers, conflicts, -f" {
        id=$(b import "$TEST_TMP/rootfs.tar" base:1)
        layer=$(b inspect -f '{{index .RootFS.Layers 0}}' base:1)
        run b tag base:1 spare:1
        assert_status 0
        assert_output ''
        run b rmi spare:1
        assert_status 0
        assert_output 'Untagged: spare:1'
        run b images --format '{{.Repository}}'
        assert_output 'base'
        # By ID with two repositories: docker refuses without -f.
        b tag base:1 other:1
        run b rmi "${id:7:12}"
        assert_status 1
        assert_output "berth: conflict: unable to delete ${id:7:12} (must be forced) - image is referenced in multiple repositories"
        run b rmi -f "${id:7:12}"
        assert_status 0
        assert_line_match '^Untagged: base:1$'
        assert_line_match '^Untagged: other:1$'
        assert_line_match "^Deleted: $id\$"
        assert_line_match "^Deleted: $layer\$"
        run b images -q
        assert_output ''
        # The last tag of an image deletes it.
        b import "$TEST_TMP/rootfs.tar" last:1 >/dev/null
        run b image rm last:1
        assert_status 0
        assert_line_match '^Untagged: last:1$'
        assert_line_match '^Deleted: sha256:'
        # Errors: docker's text; the other arguments are still removed; exit 1.
        b import "$TEST_TMP/rootfs.tar" keep:1 >/dev/null
        run b image remove nosuch keep:1
        assert_status 1
        assert_line_match '^berth: No such image: nosuch:latest$'
        assert_line_match '^Untagged: keep:1$'
        run b tag nosuch x:1
        assert_status 1
        assert_output 'berth: No such image: nosuch:latest'
        run b tag
        assert_status 1
        assert_line_match "'berth tag' requires 2 arguments"
}

@test "image prune: dangling only, -a, the prompt, --filter" {
        b import "$TEST_TMP/rootfs.tar" kept:1 >/dev/null
        echo other >"$TEST_TMP/rootfs/other"
        tar -C "$TEST_TMP/rootfs" -cf "$TEST_TMP/rootfs2.tar" .
        dangling=$(b import "$TEST_TMP/rootfs2.tar")
        # Declined (no input): nothing removed, exit 0.
        run b image prune </dev/null
        assert_status 0
        assert_output $'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] '
        [ "$(b images -q | wc -l)" -eq 2 ]
        # until= in the past keeps an image created now.
        run b image prune -f --filter until=1h
        assert_output 'Total reclaimed space: 0B'
        run b image prune --filter until=bogus -f
        assert_status 1
        run bash -c "echo y | '$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' image prune"
        assert_status 0
        assert_line_match "^deleted: $dangling\$"
        assert_line_match 'Deleted Images:$'
        assert_line_match '^Total reclaimed space: [0-9.]+k?B$'
        run b images --format '{{.Repository}}'
        assert_output 'kept'
        run b image prune -a -f --filter label=nope
        assert_output 'Total reclaimed space: 0B'
        run b image prune -a -f
        assert_status 0
        assert_line_match '^untagged: kept:1$'
        assert_line_match '^deleted: sha256:'
        run b images -q
        assert_output ''
}

@test "history: docker's columns, -q, --no-trunc, -H=false, --format" {
        id=$(b import -m 'my comment' "$TEST_TMP/rootfs.tar" hist:1)
        run b history hist:1
        assert_status 0
        [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]] || fail "${lines[0]}"
        assert_line_match "^${id:7:12} +.* ago +[0-9.]+k?B +my comment\$"
        run b image history -q hist:1
        assert_output "${id:7:12}"
        run b history -q --no-trunc hist:1
        assert_output "$id"
        run b history -H=false hist:1
        [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ AT\ +CREATED\ BY ]] || fail "${lines[0]}"
        assert_line_match '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9:]{5}) +[0-9]+ +my comment$'
        run b history --format '{{.ID}}|{{.Comment}}' hist:1
        assert_output "${id:7:12}|my comment"
        run b history nosuch
        assert_status 1
        assert_output 'berth: No such image: nosuch:latest'
}

@test "inspect: Docker-compatible JSON, -f, not found" {
        id=$(b import -c 'CMD ["sh"]' -c 'EXPOSE 5000' -c 'WORKDIR /srv' "$TEST_TMP/rootfs.tar" insp:1)
        run b image inspect insp:1
        assert_status 0
        [ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
        [ "$(jq -r '.[0].RepoTags | join(",")' <<<"$output")" = "insp:1" ]
        [ "$(jq -r '.[0].Config.Cmd[0]' <<<"$output")" = sh ]
        [ "$(jq -r '.[0].Config.WorkingDir' <<<"$output")" = /srv ]
        [ "$(jq -r '.[0].Config.ExposedPorts | keys[0]' <<<"$output")" = 5000/tcp ]
        [ "$(jq -r '.[0].GraphDriver.Name' <<<"$output")" = overlay2 ]
        [ "$(jq -r '.[0].RootFS.Type' <<<"$output")" = layers ]
        [ "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$output")" = \
                "Id,RepoTags,RepoDigests,Parent,Comment,Created,DockerVersion,Author,Config,Architecture,Os,Size,GraphDriver,RootFS,Metadata" ]
        # The unpacked layer is where GraphDriver says.
        upper=$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$output")
        [ "$(cat "$upper/hello")" = hello-from-image ]
        run b inspect -f '{{.Config.Cmd}}' insp:1
        assert_output '[sh]'
        run b inspect --type image -f '{{json .Config.ExposedPorts}}' insp:1
        assert_output '{"5000/tcp":{}}'
        run b image inspect -f '{{.Id}}' insp:1 "${id:7:5}"
        assert_output "$id"$'\n'"$id"
        run b image inspect nosuch
        assert_status 1
        [ "${lines[0]}" = "[]" ]
        assert_line_match '^berth: No such image: nosuch:latest$'
        run b inspect nosuch
        assert_status 1
        assert_line_match '^berth: No such object: nosuch$'
        run b inspect -f '{{.Id' insp:1
        assert_status 1
        assert_line_match '^template parsing error: '
}

@test "save and load: round trip into a second store, oci-archive, a layout directory" {
        id=$(b import -c 'CMD ["sh"]' "$TEST_TMP/rootfs.tar" copy:latest)
        run b save -o "$TEST_TMP/copy.tar" copy
        assert_status 0
        assert_output ''
        tar -tf "$TEST_TMP/copy.tar" | grep -qx manifest.json
        tar -tf "$TEST_TMP/copy.tar" | grep -qx repositories
        run b2 load -i "$TEST_TMP/copy.tar"
        assert_status 0
        assert_output 'Loaded image: copy:latest'
        [ "$(b2 images -q --no-trunc)" = "$id" ]
        upper=$(b2 inspect -f '{{.GraphDriver.Data.UpperDir}}' copy)
        [ "$(cat "$upper/hello")" = hello-from-image ]
        [ "$(b2 inspect -f '{{.Config.Cmd}}' copy)" = '[sh]' ]
        # Saved again from the second store: the same blobs.
        b2 save copy >"$TEST_TMP/copy2.tar"
        [ "$(tar -tf "$TEST_TMP/copy.tar" | sort)" = "$(tar -tf "$TEST_TMP/copy2.tar" | sort)" ]
        # stdin and -q
        rm -rf "$TEST_TMP/root2"
        run b2 load -q <"$TEST_TMP/copy.tar"
        assert_output 'Loaded image: copy:latest'
        # oci-archive, and the same unpacked as an OCI layout directory.
        b save --format oci-archive -o "$TEST_TMP/oci.tar" copy:latest
        tar -tf "$TEST_TMP/oci.tar" | grep -qx oci-layout
        rm -rf "$TEST_TMP/root2"
        run b2 load -i "$TEST_TMP/oci.tar"
        assert_status 0
        [ "$(b2 images -q --no-trunc)" = "$id" ]
        rm -rf "$TEST_TMP/root2" "$TEST_TMP/layout"
        mkdir "$TEST_TMP/layout"
        tar -C "$TEST_TMP/layout" -xf "$TEST_TMP/oci.tar"
        run b2 load -i "$TEST_TMP/layout"
        assert_status 0
        [ "$(b2 images -q --no-trunc)" = "$id" ]
        # An untagged image by ID.
        b rmi copy:latest >/dev/null
        b import "$TEST_TMP/rootfs.tar" >/dev/null
        rm -rf "$TEST_TMP/root2"
        b save "$(b images -q)" | b2 load >"$TEST_TMP/load.out"
        grep -Eq '^Loaded image ID: sha256:[0-9a-f]{64}$' "$TEST_TMP/load.out"
}

@test "save and load: errors (no such image, a terminal, a corrupt archive)" {
        b import "$TEST_TMP/rootfs.tar" good:1 >/dev/null
        run b save -o "$TEST_TMP/x.tar" nosuch
        assert_status 1
        assert_output 'berth: No such image: nosuch'
        [ ! -e "$TEST_TMP/x.tar" ]
        ls -A "$TEST_TMP" | grep -q berth_temp && fail "temporary file left behind"
        if command -v script >/dev/null; then
                run script -qec "'$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' save good:1" /dev/null
                assert_status 1
                assert_line_match 'cowardly refusing to save to a terminal. Use the -o flag or redirect'
        fi
        run b save --format bogus -o "$TEST_TMP/x.tar" good:1
        assert_status 1
        # Not the default table: its CREATED column ("N seconds ago") moves on while the test runs.
        before=$(b images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}')
        head -c 20000 /dev/urandom >"$TEST_TMP/bad.tar"
        run b load -i "$TEST_TMP/bad.tar"
        assert_status 1
        [[ "$output" == berth:* ]] || fail "$output"
        # A truncated archive.
        b save -o "$TEST_TMP/good.tar" good:1
        head -c 3000 "$TEST_TMP/good.tar" >"$TEST_TMP/trunc.tar"
        run b2 load -i "$TEST_TMP/trunc.tar"
        assert_status 1
        [ -z "$(b2 images -q)" ]
        [ "$(b images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}')" = "$before" ]
        run b load -i "$TEST_TMP/nonexistent.tar"
        assert_status 1
        assert_output "berth: open $TEST_TMP/nonexistent.tar: no such file or directory"
}

@test "image --help lists the image commands" {
        run b image --help
        assert_status 0
        for c in history import inspect load ls prune rm save tag; do
                assert_line_match "^  $c "
        done
        run b images --help
        assert_line_match 'berth image ls, berth image list, berth images'
}
