#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `berth volume` against docker's behaviour and output: create/ls/inspect/rm/
# prune, named volumes that outlive their containers, anonymous volumes that
# go with `rm -v` and `--rm`, Docker's in-use refusal. Real containers from a
# busybox rootfs imported with `berth import`, each test in its own store.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
        local r=$BATS_FILE_TMPDIR/bbroot
        [ -x /bin/busybox ] || return 0
        mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root,data}
        cp /bin/busybox "$r/bin/busybox"
        for a in $("$r/bin/busybox" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
        echo from-image >"$r/data/seed"
        tar -C "$r" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
}

setup() {
        berth_store_setup
        b import -c 'CMD ["sh"]' -c 'VOLUME /data' "$BATS_FILE_TMPDIR/busybox.tar" withvol:latest >/dev/null
}

teardown() {
        berth_store_teardown
}

n_volumes() {
        b volume ls -q | wc -l
}

@test "walkthrough: a named volume keeps its content across --rm containers" {
        run b volume create vol1
        assert_status 0
        assert_output vol1
        run b run --rm -v vol1:/v busybox sh -c "echo kept > /v/k"
        assert_status 0
        run b run --rm -v vol1:/v busybox cat /v/k
        assert_status 0
        assert_output kept
        # --rm took no named volume with it.
        run b volume ls
        assert_output "$(printf 'DRIVER    VOLUME NAME\nlocal     vol1')"
}

@test "volume create: a generated name, labels, options, and Docker's refusals" {
        run b volume create
        assert_status 0
        [[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "name: $output"
        run b volume create --label a=1 --label b -o type=tmpfs -o device=tmpfs -o o=size=1m lab
        assert_status 0
        run b volume inspect -f '{{json .Labels}} {{json .Options}} {{.Driver}} {{.Scope}}' lab
        assert_output '{"a":"1","b":""} {"device":"tmpfs","o":"size=1m","type":"tmpfs"} local local'
        run -1 b volume create -d nosuchdriver x1
        assert_output 'berth: create x1: error looking up volume plugin nosuchdriver: plugin "nosuchdriver" not found'
        run -1 b volume create -o foo=1 x1
        assert_output 'berth: create x1: invalid option: "foo"'
        run -1 b volume create 'bad/name'
        [[ "$output" == *"includes invalid characters for a local volume name"* ]] || fail "$output"
        run -1 b volume create a b
        # create is idempotent, as Docker's.
        run b volume create lab
        assert_status 0
        assert_output lab
}

@test "volume inspect: Docker's JSON array; a missing volume after the others" {
        b volume create vol1 >/dev/null
        run b volume inspect vol1
        assert_status 0
        assert_line_match '^        "Driver": "local",$'
        assert_line_match "^        \"Mountpoint\": \"$TEST_TMP/root/volumes/vol1/_data\",\$"
        assert_line_match '^        "Name": "vol1",$'
        assert_line_match '^        "Scope": "local"$'
        assert_line_match '^        "CreatedAt": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z",$'
        run -1 b volume inspect vol1 nosuch
        assert_line_match '"Name": "vol1"'
        assert_line_match '^berth: get nosuch: no such volume$'
        run -1 b volume inspect nosuch
        assert_line_match '^\[\]$'
}

@test "volume ls: filters, -q, --format" {
        b volume create --label env=prod v-prod >/dev/null
        b volume create v-free >/dev/null
        b volume create v-used >/dev/null
        b create --name holder -v v-used:/u busybox true >/dev/null
        run b volume ls -q --filter label=env=prod
        assert_output v-prod
        run b volume ls -q --filter name=free
        assert_output v-free
        # A regular expression, as docker's; two name= filters are alternatives.
        run b volume ls -q --filter 'name=^v-(p|u)' --filter name=nomatch
        assert_output "$(printf 'v-prod\nv-used')"
        run b volume ls -q --filter dangling=false
        assert_output v-used
        run b volume ls -q --filter dangling=true
        assert_output "$(printf 'v-free\nv-prod')"
        run b volume ls -q --filter driver=local
        [ "${#lines[@]}" -eq 3 ] || fail "$output"
        run b volume ls --format '{{.Name}} {{.Driver}} {{.Labels}}' --filter label=env
        assert_output 'v-prod local env=prod'
        run -1 b volume ls --filter bogus=1
        assert_output "berth: invalid filter 'bogus'"
}

@test "volume rm: Docker's in-use message and exit 1; -f; names printed" {
        b volume create busy >/dev/null
        b run --name user -v busy:/b busybox true
        id=$(b inspect -f '{{.Id}}' user)
        run -1 b volume rm busy
        assert_output "berth: remove busy: volume is in use - [$id]"
        run -1 b volume rm -f busy
        run b volume ls -q
        assert_output busy
        run -1 b volume rm nosuch
        assert_output 'berth: get nosuch: no such volume'
        run b volume rm -f nosuch
        assert_status 0
        b rm user >/dev/null
        run b volume rm busy
        assert_status 0
        assert_output busy
        [ ! -e "$TEST_TMP/root/volumes/busy" ] || fail "volume directory left behind"
}

@test "rm -v removes the anonymous volumes, not the named one; rm alone keeps them" {
        b volume create named >/dev/null
        b run --name c1 -v named:/n -v /anon withvol:latest cat /data/seed >/dev/null
        # The image's VOLUME /data and the bare -v /anon: two anonymous volumes, seeded from the image.
        [ "$(n_volumes)" -eq 3 ] || fail "$(b volume ls)"
        run b inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' c1
        anon=$output
        run b volume inspect -f '{{json .Labels}}' "$anon"
        assert_output '{"com.docker.volume.anonymous":""}'
        run b volume inspect -f '{{json .Labels}} {{json .Options}}' named
        assert_output '{} {}'
        run b rm -v c1
        assert_status 0
        run b volume ls -q
        assert_output named
        # Without -v they stay (and prune takes them, named ones only with -a).
        b run --name c2 -v /anon2 busybox true
        b rm c2 >/dev/null
        [ "$(n_volumes)" -eq 2 ] || fail "$(b volume ls)"
}

@test "run --rm removes its anonymous volumes (foreground and detached)" {
        run b run --rm withvol:latest cat /data/seed
        assert_status 0
        assert_output from-image
        [ "$(n_volumes)" -eq 0 ] || fail "$(b volume ls)"
        b run -d --rm -v /a withvol:latest true >/dev/null
        for _ in $(seq 100); do [ "$(b ps -aq | wc -l)" -eq 0 ] && break; sleep 0.1; done
        for _ in $(seq 50); do [ "$(n_volumes)" -eq 0 ] && break; sleep 0.1; done
        [ "$(n_volumes)" -eq 0 ] || fail "$(b volume ls)"
}

@test "volume prune: anonymous only by default, -a for named, the prompt, labels" {
        b volume create named1 >/dev/null
        b volume create --label keep=1 named2 >/dev/null
        b run --name pc -v /anon busybox sh -c 'echo 12345 > /anon/f'
        anon=$(b inspect -f '{{range .Mounts}}{{.Name}}{{end}}' pc)
        b rm pc >/dev/null
        run b volume prune <<<"n"
        assert_output "$(printf 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ')"
        [ "$(n_volumes)" -eq 3 ] || fail "prune without a yes removed something"
        run b volume prune -f
        assert_status 0
        assert_output "$(printf 'Deleted Volumes:\n%s\n\nTotal reclaimed space: 6B' "$anon")"
        run b volume prune -a -f --filter 'label!=keep'
        assert_output "$(printf 'Deleted Volumes:\nnamed1\n\nTotal reclaimed space: 0B')"
        run b volume prune -af
        assert_output "$(printf 'Deleted Volumes:\nnamed2\n\nTotal reclaimed space: 0B')"
        run b volume prune -f
        assert_output 'Total reclaimed space: 0B'
}

@test "system df counts local volumes" {
        b volume create dfv >/dev/null
        b run --rm -v dfv:/v busybox sh -c 'printf 1234567890 > /v/f'
        run b system df --format '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}'
        assert_line_match '^Local Volumes 1 0 10B 10B \(100%\)$'
        run b system df -v
        assert_line_match '^dfv +0 +10B$'
}

@test "volume rm and prune racing run -v: a container that exists always has its volume" {
        local i jobs=() id mp v
        # Each round: an unused volume, then at once a container that takes it and its removal.
        for i in $(seq 16); do
                b volume create "race$i" >/dev/null
        done
        for i in $(seq 16); do
                b run -d -v "race$i:/d" busybox sh -c 'touch "/d/m-$(hostname)" && exec sleep 300' \
                        >/dev/null 2>&1 &
                jobs+=($!)
                if [ $((i % 4)) = 0 ]; then
                        b volume prune -af >/dev/null 2>&1 &
                else
                        b volume rm "race$i" >/dev/null 2>&1 &
                fi
                jobs+=($!)
        done
        wait "${jobs[@]}" || true
        [ -n "$(b ps -q)" ] || fail "no container runs"
        # Every container's volume exists, and each running one's marker is in it (it was not
        # deleted under the container after the in-use check and made again by someone later).
        for id in $(b ps -aq --no-trunc); do
                v=$(b inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "$id")
                [ -n "$v" ] || v=$(b inspect -f '{{index .HostConfig.Binds 0}}' "$id" | cut -d: -f1)
                mp=$(b volume inspect -f "{{.Mountpoint}}" "$v") ||
                        fail "container ${id:0:12}: no $v; $(b ps -a --format "{{.ID}} {{.Status}} {{.Mounts}}")"
                [ "$(b inspect -f '{{.State.Running}}' "$id")" = true ] || continue
                for _ in $(seq 50); do
                        [ -e "$mp/m-${id:0:12}" ] && break
                        sleep 0.1
                done
                [ -e "$mp/m-${id:0:12}" ] || fail "container ${id:0:12} runs on a deleted $v"
                # And it is in use while the container exists.
                run b volume rm "$v"
                assert_status 1
                [[ "$output" == *"volume is in use"* ]] || fail "rm of a used volume: $output"
        done
}
