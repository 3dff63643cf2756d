#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A first container, offline: berth's own hello-world program in a rootfs of
# its own, run by berth-runtime (berth's OCI runtime) in fresh namespaces and
# cgroups. `berth run hello-world` will do the same through the engine.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BERTH_BUILD:-build}
runtime=$BUILD/src/berth-runtime/berth-runtime
hello=$BUILD/src/hello-world/hello
b=$(mktemp -d /tmp/berth-hello.XXXXXX)
trap 'rm -rf "$b"' EXIT
mkdir -p "$b/rootfs"
if [ -x "$hello" ]; then
        cp "$hello" "$b/rootfs/hello"
        args='["/hello"]'
else
        mkdir -p "$b/rootfs/bin"
        cp /bin/busybox "$b/rootfs/bin/busybox"
        args='["/bin/busybox","echo","Hello from berth! (hello-world is not built: this is busybox)"]'
fi
(cd "$b" && "$OLDPWD/$runtime" spec)
jq --argjson a "$args" '.process.terminal=false | .process.args=$a | .root.readonly=true' \
        "$b/config.json" >"$b/config.tmp" && mv "$b/config.tmp" "$b/config.json"
"$runtime" --root /run/berth-runtime run --bundle "$b" "hello-$$"
