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

/* target_fd: an O_DIRECTORY fd of an empty (or base) directory. fd: the layer stream. */
int layer_apply(int target_fd, int fd, unsigned flags, struct layer_apply_result *ret, struct berth_error **err);

enum layer_diff_flags {
        LAYER_DIFF_GZIP = 1 << 0, /* compress the output */
};

/* Writes a tar of dir_fd to out_fd; ret_diff_id gets the sha256 of the uncompressed tar. */
int layer_diff_create(int dir_fd, int out_fd, unsigned flags, char ret_diff_id[72], struct berth_error **err);
