#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Images exchanged with the real tools: docker (a private dockerd started
# here), podman, skopeo and umoci; and the course's transfer between two
# berth stores. Each test skips (BERTH_TEST_STRICT=1: fails) when its peer is
# missing. Every docker/podman object is named uniquely and removed by the
# test that made it; nothing is pruned.

load helpers
load lib-images

setup_file() {
        # A private dockerd: its own data, exec root and socket; no bridge, no iptables.
        # Short path: the socket and containerd's paths must fit in sun_path.
        DOCKERD_DIR=$(mktemp -d /tmp/berth-dk.XXXXXX)
        export DOCKERD_DIR
        if command -v dockerd >/dev/null && command -v docker >/dev/null; then
                dockerd_start "$DOCKERD_DIR" 2>"$DOCKERD_DIR/start.err" && touch "$DOCKERD_DIR/up"
        fi
}

teardown_file() {
        [ -n "${DOCKERD_DIR:-}" ] || return 0
        dockerd_stop "$DOCKERD_DIR"
        rm -rf "$DOCKERD_DIR"
}

setup() {
        images_setup
        require_berth_cmd load
        require_berth_cmd save
        NAME=berth-interop-$$-${BATS_TEST_NUMBER}-$RANDOM
        : >"$TEST_TMP/docker-images"
        : >"$TEST_TMP/podman-images"
}

teardown() {
        local ref
        if [ -f "$TEST_TMP/docker-images" ] && [ -f "$DOCKERD_DIR/up" ]; then
                while read -r ref; do
                        [ -n "$ref" ] && DOCKER_HOST=unix://$DOCKERD_DIR/sock docker rmi -f "$ref" >/dev/null 2>&1
                done <"$TEST_TMP/docker-images"
        fi
        if [ -f "$TEST_TMP/podman-images" ]; then
                while read -r ref; do
                        [ -n "$ref" ] && podman rmi -f "$ref" >/dev/null 2>&1
                done <"$TEST_TMP/podman-images"
        fi
        berth_teardown
}

require_docker() {
        [ -f "$DOCKERD_DIR/up" ] || berth_skip "no dockerd could be started ($(head -c 300 "$DOCKERD_DIR/start.err" 2>/dev/null))"
        export DOCKER_HOST=unix://$DOCKERD_DIR/sock
}

require_tool() {
        command -v "$1" >/dev/null || berth_skip "$1 not installed"
}

# busybox_tar OUT: the busybox test rootfs as a tarball.
busybox_tar() {
        ensure_rootfs
        rootfs_tar "$BUSYBOX_ROOTFS" "$1"
}

@test "interop: docker import + docker save -> berth load; berth save reloads" {
        require_docker
        busybox_tar "$TEST_TMP/rootfs.tar"
        echo "$NAME:v1" >>"$TEST_TMP/docker-images"
        docker import "$TEST_TMP/rootfs.tar" "$NAME:v1" >/dev/null
        local docker_id
        docker_id=$(docker image inspect -f '{{.Id}}' "$NAME:v1")
        docker save -o "$TEST_TMP/docker.tar" "$NAME:v1"

        run berth load -i "$TEST_TMP/docker.tar"
        assert_status 0
        assert_output "Loaded image: $NAME:v1"
        run berth images --format '{{.Repository}}:{{.Tag}}'
        assert_status 0
        assert_line_match "^$NAME:v1\$"
        # The same image: berth's ID is docker's (the config digest).
        [ "$(image_id "$NAME:v1")" = "$docker_id" ] || fail "ID $(image_id "$NAME:v1") != docker's $docker_id"
        # The content: the unpacked layer holds the very busybox binary.
        local bb
        bb=$(compgen -G "$BERTH_ROOT/layers/*/diff/bin/busybox" | head -1)
        [ -n "$bb" ] || fail "no layers/*/diff/bin/busybox in the store"
        cmp "$bb" "$BUSYBOX_ROOTFS/bin/busybox"
        [ -x "$bb" ]
        # berth save of it, into a second store: same ID, busybox in the layer.
        run berth save -o "$TEST_TMP/berth.tar" "$NAME:v1"
        assert_status 0
        tar_layers_have "$TEST_TMP/berth.tar" bin/busybox || fail "berth's archive has no bin/busybox layer entry"
        use_store b
        run berth load -i "$TEST_TMP/berth.tar"
        assert_status 0
        assert_output "Loaded image: $NAME:v1"
        [ "$(image_id "$NAME:v1")" = "$docker_id" ]
}

@test "interop: berth import + berth save -> docker load -> docker run" {
        require_docker
        require_berth_cmd import
        busybox_tar "$TEST_TMP/rootfs.tar"
        run berth import "$TEST_TMP/rootfs.tar" "$NAME:v1"
        assert_status 0
        local id
        id=$(image_id "$NAME:v1")
        berth save -o "$TEST_TMP/berth.tar" "$NAME:v1"
        echo "$NAME:v1" >>"$TEST_TMP/docker-images"
        run docker load -i "$TEST_TMP/berth.tar"
        assert_status 0
        assert_line_match "Loaded image: $NAME:v1"
        [ "$(docker image inspect -f '{{.Id}}' "$NAME:v1")" = "$id" ] || fail "docker's ID differs from berth's $id"
        run docker run --rm "$NAME:v1" /bin/busybox echo ok
        assert_status 0
        assert_output ok
}

@test "interop: berth import + berth save -> podman load -> podman run" {
        require_tool podman
        require_berth_cmd import
        busybox_tar "$TEST_TMP/rootfs.tar"
        run berth import "$TEST_TMP/rootfs.tar" "$NAME:v1"
        assert_status 0
        local id
        id=$(image_id "$NAME:v1")
        berth save -o "$TEST_TMP/berth.tar" "$NAME:v1"
        echo "docker.io/library/$NAME:v1" >>"$TEST_TMP/podman-images"
        run podman load -i "$TEST_TMP/berth.tar"
        assert_status 0
        assert_line_match "Loaded image: (docker.io/library/)?$NAME:v1"
        [ "sha256:$(podman image inspect -f '{{.Id}}' "$NAME:v1")" = "$id" ] \
                || fail "podman's ID differs from berth's $id"
        # podman's default runtime (crun) needs a v1 hugetlb hierarchy on hybrid hosts.
        ensure_crun_cgroups
        run podman run --rm --network none --cgroup-manager cgroupfs --ulimit nofile=20000:20000 \
                --ulimit nproc=32768:32768 "$NAME:v1" /bin/busybox echo ok
        assert_status 0
        assert_output ok
}

@test "interop: skopeo copy to an OCI layout -> berth load -i DIR" {
        require_docker
        require_tool skopeo
        busybox_tar "$TEST_TMP/rootfs.tar"
        echo "$NAME:v1" >>"$TEST_TMP/docker-images"
        docker import "$TEST_TMP/rootfs.tar" "$NAME:v1" >/dev/null
        docker save -o "$TEST_TMP/docker.tar" "$NAME:v1"
        run skopeo copy "docker-archive:$TEST_TMP/docker.tar" "oci:$TEST_TMP/layout:v1"
        assert_status 0
        local config
        config=$(jq -r '.manifests[0].digest' "$TEST_TMP/layout/index.json")
        config=$(jq -r '.config.digest' "$TEST_TMP/layout/blobs/sha256/${config#sha256:}")

        run berth load -i "$TEST_TMP/layout"
        assert_status 0
        assert_line_match '^Loaded image'
        run berth images -q --no-trunc
        assert_status 0
        assert_output "$config"
        compgen -G "$BERTH_ROOT/layers/*/diff/bin/busybox" >/dev/null || fail "no bin/busybox in the store"
}

@test "interop: skopeo's oci-archive (a tar of the layout) loads too" {
        require_tool skopeo
        require_berth_cmd import
        busybox_tar "$TEST_TMP/rootfs.tar"
        berth import "$TEST_TMP/rootfs.tar" "$NAME:v1" >/dev/null
        local id
        id=$(image_id "$NAME:v1")
        berth save -o "$TEST_TMP/berth.tar" "$NAME:v1"
        run skopeo copy "docker-archive:$TEST_TMP/berth.tar" "oci-archive:$TEST_TMP/skopeo-oci.tar:$NAME:v1"
        assert_status 0
        # skopeo rewrites the config for OCI: the image is the one its manifest names.
        local config
        config=$(skopeo inspect --raw "oci-archive:$TEST_TMP/skopeo-oci.tar" | jq -r .config.digest)
        use_store b
        run berth load -i "$TEST_TMP/skopeo-oci.tar"
        assert_status 0
        run berth images -q --no-trunc
        assert_output "$config"
        compgen -G "$BERTH_ROOT/layers/*/diff/bin/busybox" >/dev/null || fail "no bin/busybox in the store"
}

@test "interop: berth save --format oci-archive -> skopeo inspect, umoci ls/unpack" {
        require_tool skopeo
        require_tool umoci
        require_berth_cmd import
        busybox_tar "$TEST_TMP/rootfs.tar"
        berth import "$TEST_TMP/rootfs.tar" "$NAME:v1" >/dev/null
        local id
        id=$(image_id "$NAME:v1")
        run berth save --format oci-archive -o "$TEST_TMP/oci.tar" "$NAME:v1"
        assert_status 0

        run skopeo inspect "oci-archive:$TEST_TMP/oci.tar"
        assert_status 0
        [ "$(jq -r '.Layers | length' <<<"$output")" = 1 ] || fail "skopeo sees: $output"
        [ "$(jq -r '.Os' <<<"$output")" = linux ] || fail "skopeo sees: $output"
        # berth's oci-archive keeps the blobs as stored: the manifest names berth's image ID.
        run skopeo inspect --raw "oci-archive:$TEST_TMP/oci.tar"
        assert_status 0
        [ "$(jq -r .config.digest <<<"$output")" = "$id" ] || fail "the manifest skopeo reads: $output"
        [ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.manifest.v1+json ] \
                || fail "not an OCI manifest: $output"
        run skopeo inspect --config "oci-archive:$TEST_TMP/oci.tar"
        assert_status 0
        [ "$(jq -r .rootfs.type <<<"$output")" = layers ] || fail "skopeo's config: $output"

        mkdir -p "$TEST_TMP/layout"
        tar -C "$TEST_TMP/layout" -xf "$TEST_TMP/oci.tar"
        run umoci ls --layout "$TEST_TMP/layout"
        assert_status 0
        local tag
        tag=$(grep -F "$NAME" <<<"$output" | head -1)
        [ -n "$tag" ] || fail "umoci ls does not list $NAME: $output"
        run umoci unpack --image "$TEST_TMP/layout:$tag" "$TEST_TMP/bundle"
        assert_status 0
        cmp "$TEST_TMP/bundle/rootfs/bin/busybox" "$BUSYBOX_ROOTFS/bin/busybox"
        [ -L "$TEST_TMP/bundle/rootfs/bin/sh" ]
        [ -f "$TEST_TMP/bundle/config.json" ]
}

@test "interop: the course's transfer: import, tag, save in store A, load in store B" {
        require_berth_cmd import
        require_berth_cmd tag
        ensure_rootfs
        # The file "written before the commit": added to the rootfs before import.
        mkdir -p "$TEST_TMP/rootfs"
        cp -a "$BUSYBOX_ROOTFS/." "$TEST_TMP/rootfs/"
        echo "written on ubuntu $NAME" >"$TEST_TMP/rootfs/root/transfer.txt"
        rootfs_tar "$TEST_TMP/rootfs" "$TEST_TMP/rootfs.tar"

        use_store a
        run berth import "$TEST_TMP/rootfs.tar" "$NAME-src:v1"
        assert_status 0
        local id
        id=$(image_id "$NAME-src:v1")
        run berth tag "$NAME-src:v1" "$NAME/transfer:v2"
        assert_status 0
        run berth save -o "$TEST_TMP/transfer.tar" "$NAME/transfer:v2"
        assert_status 0

        use_store b
        run berth images -q
        assert_output ""
        run berth load -i "$TEST_TMP/transfer.tar"
        assert_status 0
        assert_output "Loaded image: $NAME/transfer:v2"
        [ "$(image_id "$NAME/transfer:v2")" = "$id" ] || fail "ID changed in transfer"
        local f
        f=$(compgen -G "$BERTH_ROOT/layers/*/diff/root/transfer.txt" | head -1)
        [ -n "$f" ] || fail "root/transfer.txt is not in store B's layer"
        [ "$(cat "$f")" = "written on ubuntu $NAME" ]
        # Only the tag that was saved came along.
        run berth images --format '{{.Repository}}:{{.Tag}}'
        assert_output "$NAME/transfer:v2"
}
