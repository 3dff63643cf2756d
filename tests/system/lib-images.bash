# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers of the image system tests (image-interop.bats, image-faults.bats) and
# of bench/load.sh. Load after helpers.bash in a bats file (`load helpers`,
# `load lib-images`); bench/load.sh sources it directly, so nothing here may
# call bats at load time.
#
#   BERTH       the berth CLI under test (default: $BERTH_BUILD/src/berth/berth)
#
# Every test gets its own store: BERTH_ROOT=$TEST_TMP/root, BERTH_RUNROOT=$TEST_TMP/run.

BERTH=${BERTH:-$BERTH_BUILD/src/berth/berth}
export BERTH

# --- berth --------------------------------------------------------------------

# berth ARGS...: the CLI under test, on the store of $BERTH_ROOT / $BERTH_RUNROOT.
berth() {
        "$BERTH" "$@"
}

# require_berth_cmd WORDS...: skip (strict: fail) unless `berth WORDS --help` exists.
# The CLI answers an unknown command with exit 1, so --help tells built from missing.
require_berth_cmd() {
        [ -x "$BERTH" ] || berth_skip "berth CLI \`$BERTH\` not built"
        "$BERTH" "$@" --help >/dev/null 2>&1 || berth_skip "\`berth $*\` not implemented yet"
}

# images_setup: berth_setup plus a private store for this test.
images_setup() {
        berth_setup
        export BERTH_ROOT=$TEST_TMP/root BERTH_RUNROOT=$TEST_TMP/run
}

# use_store NAME: switch BERTH_ROOT/BERTH_RUNROOT to a second store of this test.
use_store() {
        export BERTH_ROOT=$TEST_TMP/root-$1 BERTH_RUNROOT=$TEST_TMP/run-$1
}

# image_id REF: berth's full image ID ("sha256:<hex>").
image_id() {
        "$BERTH" image inspect -f '{{.Id}}' "$1"
}

# images_list: the store's images, one "ID REPO:TAG" a line, sorted (for before/after comparisons).
images_list() {
        "$BERTH" images -a --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' | sort
}

# store_check: `berth system check`; prints its output, returns its status.
store_check() {
        "$BERTH" system check 2>&1
}

# assert_store_clean: `system check` exits 0 and reports no problem.
assert_store_clean() {
        local out rc=0
        out=$("$BERTH" system check 2>&1) || rc=$?
        if [ "$rc" -ne 0 ]; then
                printf 'system check failed (exit %d):\n%s\n' "$rc" "$out" >&2
                return 1
        fi
}

# assert_one_error_line: the last `run --separate-stderr` failed with status 1,
# wrote exactly one non-empty line on stderr and printed no "Loaded image".
assert_one_error_line() {
        local n
        if [ "$status" -ne 1 ]; then
                printf 'expected exit status 1, got %d; stdout:\n%s\nstderr:\n%s\n' "$status" "$output" \
                        "$stderr" >&2
                return 1
        fi
        n=$(printf '%s' "$stderr" | grep -c '')
        if [ "$n" -ne 1 ] || [ -z "$stderr" ]; then
                printf 'expected one error line on stderr, got %d:\n%s\n' "$n" "$stderr" >&2
                return 1
        fi
        if grep -q 'Loaded image' <<<"$output"; then
                printf 'a failed load reported a loaded image:\n%s\n' "$output" >&2
                return 1
        fi
}

# --- tarballs ----------------------------------------------------------------

# rootfs_tar DIR OUT: a plain tar of DIR's contents (numeric owners, as an image layer).
rootfs_tar() {
        tar --numeric-owner -C "$1" -cf "$2" .
}

# busybox_rootfs DIR [SUBDIR...]: a busybox-static rootfs in DIR (applets as links, root in passwd and
# group), with the extra empty SUBDIRs; the benches tar it with rootfs_tar.
busybox_rootfs() {
        local r=${1:?} a
        shift
        mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
        for a in "$@"; do mkdir -p "$r/$a"; done
        cp /bin/busybox "$r/bin/busybox"
        for a in $("$r/bin/busybox" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
        printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
        printf 'root:x:0:\n' >"$r/etc/group"
}

# tar_layers_have ARCHIVE NAME: some tar inside ARCHIVE (a layer blob) holds an
# entry NAME (leading "./" ignored). Proves a saved archive's layer content.
tar_layers_have() {
        python3 - "$1" "$2" <<'EOF'
import sys, tarfile
outer, want = sys.argv[1], sys.argv[2].lstrip("./")
def names(tf):
    return {m.name.lstrip("./").lstrip("/") for m in tf.getmembers()}
with tarfile.open(outer) as t:
    for m in t.getmembers():
        if not m.isfile():
            continue
        f = t.extractfile(m)
        try:
            with tarfile.open(fileobj=f) as inner:
                if want in names(inner):
                    sys.exit(0)
        except tarfile.TarError:
            pass
sys.exit(1)
EOF
}

# mk_docker_archive OUT REF LAYER...: a docker-archive (Docker 25's layout:
# blobs/sha256/<hex>, manifest.json, repositories) of one image whose layers
# are the given uncompressed tars, with a correct config. REF "" = untagged.
# Tampering for the fault tests, through $MKARCHIVE_TAMPER:
#   name-digest  the first layer is stored under a wrong blobs/sha256/ name
#   diff-id      the config's first diff_id is wrong
#   no-config    manifest.json names a config blob that is not in the archive
mk_docker_archive() {
        python3 - "$@" <<'EOF'
import hashlib, io, json, os, sys, tarfile, time
out, ref, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
tamper = os.environ.get("MKARCHIVE_TAMPER", "")
files = []
def add(name, path=None, data=None):
    files.append((name, path, data))
def sha_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
diff_ids, layer_paths = [], []
for i, l in enumerate(layers):
    hx = sha_file(l)
    diff_ids.append("sha256:" + hx)
    name_hx = hx
    if i == 0 and tamper == "name-digest":
        name_hx = hashlib.sha256(b"not this layer").hexdigest()
    add("blobs/sha256/" + name_hx, path=l)
    layer_paths.append("blobs/sha256/" + name_hx)
cfg_ids = list(diff_ids)
if tamper == "diff-id" and cfg_ids:
    cfg_ids[0] = "sha256:" + hashlib.sha256(b"wrong diff id").hexdigest()
config = {
    "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               "Cmd": ["/bin/sh"]},
    "rootfs": {"type": "layers", "diff_ids": cfg_ids},
    "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "berth test layer %d" % i}
                for i in range(len(layers))],
}
cfg = json.dumps(config, separators=(",", ":")).encode()
cfg_hx = hashlib.sha256(cfg).hexdigest()
if tamper != "no-config":
    add("blobs/sha256/" + cfg_hx, data=cfg)
manifest = [{"Config": "blobs/sha256/" + cfg_hx, "RepoTags": [ref] if ref else None, "Layers": layer_paths}]
add("manifest.json", data=json.dumps(manifest).encode())
if ref:
    repo, tag = ref.rsplit(":", 1)
    top = diff_ids[-1].split(":")[1] if diff_ids else ""
    add("repositories", data=json.dumps({repo: {tag: top}}).encode())
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    dirs = {"blobs", "blobs/sha256"}
    for d in sorted(dirs):
        ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 0
        t.addfile(ti)
    for name, path, data in files:
        if path:
            ti = t.gettarinfo(path, arcname=name)
            ti.uid = ti.gid = 0; ti.uname = ti.gname = ""; ti.mtime = 0
            with open(path, "rb") as f:
                t.addfile(ti, f)
        else:
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644; ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
print("sha256:" + cfg_hx)
EOF
}

# flip_layer_byte ARCHIVE: flip one byte in the middle of the archive's largest
# member (a layer blob), in place; the tar structure stays intact.
flip_layer_byte() {
        python3 - "$1" <<'EOF'
import sys, tarfile
path = sys.argv[1]
with tarfile.open(path) as t:
    m = max((m for m in t.getmembers() if m.isfile()), key=lambda m: m.size)
off = m.offset_data + m.size // 2
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xff]))
EOF
}

# mk_hostile_layer OUT KIND MARKER: a layer tar that tries to write MARKER
# (an absolute host path that must not appear) from outside its root:
#   dotdot    "../../../../../../MARKER"
#   absolute  "/MARKER" (contained: must land inside the layer, if anywhere)
#   symlink   a symlink "evil" -> dirname(MARKER), then "evil/basename(MARKER)"
#   hardlink  a hardlink "h" to "/etc/hostname" (a file outside the layer)
# Each layer also holds a harmless "ok.txt" first.
mk_hostile_layer() {
        python3 - "$@" <<'EOF'
import io, os, sys, tarfile
out, kind, marker = sys.argv[1], sys.argv[2], sys.argv[3]
def reg(t, name, data=b"pwned\n"):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    reg(t, "ok.txt", b"harmless\n")
    if kind == "dotdot":
        reg(t, "../../../../../.." + marker)
    elif kind == "absolute":
        reg(t, marker)
    elif kind == "symlink":
        ti = tarfile.TarInfo("evil"); ti.type = tarfile.SYMTYPE; ti.linkname = os.path.dirname(marker)
        t.addfile(ti)
        reg(t, "evil/" + os.path.basename(marker))
    elif kind == "symlink-rel":
        depth = "../" * 12
        ti = tarfile.TarInfo("evil"); ti.type = tarfile.SYMTYPE
        ti.linkname = depth + os.path.dirname(marker).lstrip("/")
        t.addfile(ti)
        reg(t, "evil/" + os.path.basename(marker))
    elif kind == "hardlink":
        ti = tarfile.TarInfo("h"); ti.type = tarfile.LNKTYPE; ti.linkname = "/etc/hostname"
        t.addfile(ti)
    else:
        sys.exit("unknown kind " + kind)
EOF
}

# --- a private dockerd ------------------------------------------------------

# dockerd_start DIR: start dockerd with all its state under DIR (socket DIR/sock),
# wait up to 30 s; exports DOCKER_HOST. Returns 1 if it cannot start.
dockerd_start() {
        local d=$1
        command -v dockerd >/dev/null && command -v docker >/dev/null || return 1
        mkdir -p "$d"
        dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/pid" -H "unix://$d/sock" \
                --bridge=none --iptables=false </dev/null >"$d/log" 2>&1 &
        echo $! >"$d/dockerd.pid"
        export DOCKER_HOST=unix://$d/sock
        for _ in $(seq 300); do
                docker version >/dev/null 2>&1 && return 0
                kill -0 "$(cat "$d/dockerd.pid")" 2>/dev/null || break
                sleep 0.1
        done
        echo "dockerd did not start; its log:" >&2
        tail -20 "$d/log" >&2
        dockerd_stop "$d"
        return 1
}

# dockerd_stop DIR: stop the dockerd of dockerd_start (SIGTERM, then SIGKILL after 20 s).
dockerd_stop() {
        local d=$1 pid
        [ -f "$d/dockerd.pid" ] || return 0
        pid=$(cat "$d/dockerd.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 200); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$d/dockerd.pid"
        # Its containerd's mounts (overlay, shm) must not be left behind.
        grep -F " $d/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null || true
        done
}

# assert_store_not_corrupt: `system check` reports no corruption (corrupt blobs
# or index, broken images, missing layers); orphans and partial writes, which a
# kill -9 may leave, are allowed.
assert_store_not_corrupt() {
        local out
        out=$("$BERTH" system check 2>&1) || true
        if grep -qE 'corrupt-blob|corrupt-index|broken-image|missing-layer' <<<"$out"; then
                printf 'system check found corruption:\n%s\n' "$out" >&2
                return 1
        fi
}

# images_setup_root: back to the test's first store (after use_store).
images_setup_root() {
        export BERTH_ROOT=$TEST_TMP/root BERTH_RUNROOT=$TEST_TMP/run
}
