/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Layer tarballs, both ways.
 *
 * layer_apply(): unpacks one image layer (a tar stream, uncompressed, gzip
 * or zstd, detected from its magic) into a directory, converting the OCI /
 * Docker whiteouts into what overlayfs expects (".wh.NAME" -> a 0:0 char
 * device NAME; ".wh..wh..opq" -> xattr trusted.overlay.opaque="y" on the
 * directory). Nothing can be written outside target: absolute names, ".."
 * components, writes through a symlink extracted earlier, and hardlinks to
 * files outside the target are rejected. Modes, owners, timestamps,
 * xattrs, symlinks, hardlinks and device nodes are preserved. While it reads,
 * it computes the sha256 of the uncompressed stream (the layer's diff-id) and
 * of the compressed bytes, so the caller can verify both without a second pass.
 *
 * layer_diff_create(): the reverse, for commit/export: writes a tar of an
 * overlay upper dir to an fd, turning overlay whiteouts (0:0 char devices,
 * opaque xattrs) back into ".wh." entries.
 */
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

enum layer_apply_flags {
        LAYER_APPLY_NO_WHITEOUT_CONVERSION = 1 << 0, /* keep .wh. files as they are (e.g. for `export`) */
        LAYER_APPLY_NO_CHOWN = 1 << 1,               /* rootless: do not lchown */
};

struct layer_apply_result {
        char diff_id[72];       /* "sha256:<hex>" of the uncompressed tar */
        char compressed_digest[72]; /* "sha256:<hex>" of the bytes read from fd */
        uint64_t compressed_size;
        uint64_t uncompressed_size;
        uint64_t unpacked_bytes;   /* sum of regular file sizes written */
};

/*
 * target_fd: an O_DIRECTORY fd of an empty (or base) directory. fd: the layer
 * stream, read to its end (the digests cover every byte). A later entry with
 * the name of an earlier one replaces it (a directory over a directory
 * merges). Names are cleaned: a leading "/" or "./" is dropped, "." and empty
 * components ignored. Errors (each names the entry, "layer entry `x`: ..."):
 *   EINVAL   ".." in a name or a hardlink target, a bad whiteout name;
 *   ELOOP    a parent (or hardlink target's parent) is a symlink;
 *   ENOTDIR  a parent is something else than a directory;
 *   ENOENT   a hardlink target that is not (yet) in the target;
 *   EBADMSG  "corrupt layer: ...": bad or truncated gzip/zstd/tar, an
 *            unsupported entry type or compression (xz, bzip2);
 *   E2BIG    more than 4Mi entries; ENAMETOOLONG; or a syscall's errno.
 * On failure the target holds a partial extraction: extract into a temporary
 * directory and rename it into place on success. When fd is a regular file of
 * 4 MiB or more, reading, decompressing and hashing run in a helper thread
 * that is joined before return (do not call in a process that must stay
 * single-threaded, such as a runtime child before exec).
 */
int layer_apply(int target_fd, int fd, unsigned flags, struct layer_apply_result *ret, struct berth_error **err);

enum layer_diff_flags {
        LAYER_DIFF_GZIP = 1 << 0, /* compress the output */
};

/*
 * Writes a pax tar of dir_fd's contents (not the directory itself) to out_fd;
 * ret_diff_id gets "sha256:<hex>" of the uncompressed tar. Entries are sorted
 * per directory and carry mode, owner, mtime, xattrs (user.*, trusted.* but
 * trusted.overlay.*, security.capability); the same tree always gives the
 * same bytes. 0:0 char devices become ".wh.NAME", opaque directories
 * (trusted.overlay.opaque or user.overlay.opaque = "y") get a ".wh..wh..opq"
 * entry, files with several links become hardlink entries, sockets are skipped.
 */
int layer_diff_create(int dir_fd, int out_fd, unsigned flags, char ret_diff_id[72], struct berth_error **err);
