/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The byte stream of a layer (private to layer_apply and other store code
 * that needs a diff-id): reads fd, hashes the raw bytes, decompresses gzip
 * (ISA-L's igzip when built with it, else zlib) or zstd, detected from the
 * magic, and hashes the uncompressed bytes. For a regular file of some size
 * the reading, decompressing and hashing run in a second thread, a few
 * buffers ahead of the consumer, so they overlap with writing the files.
 */
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

struct layer_stream;

struct layer_stream_digests {
        char diff_id[72];           /* "sha256:<hex>" of the uncompressed bytes */
        char compressed_digest[72]; /* "sha256:<hex>" of the bytes read */
        uint64_t compressed_size, uncompressed_size;
};

/* Takes no ownership of fd. Fails (EBADMSG) for xz and bzip2, which layers do not use. */
int layer_stream_open(int fd, struct layer_stream **ret, struct berth_error **err);
/*
 * The next chunk of uncompressed bytes in *ret_buf, valid until the next call;
 * returns its length, 0 at the end, -errno on failure (EBADMSG "corrupt layer:
 * ..." for bad or truncated compressed data).
 */
ssize_t layer_stream_read(struct layer_stream *s, const void **ret_buf, struct berth_error **err);
/* Reads to the end (the digests cover every byte) and returns the digests. */
int layer_stream_finish(struct layer_stream *s, struct layer_stream_digests *ret, struct berth_error **err);
/* Stops the reader thread if any (it may have to wait for one read to return); NULL-safe. */
struct layer_stream *layer_stream_free(struct layer_stream *s);
