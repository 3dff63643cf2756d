/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The on-disk store (DESIGN.md "On disk"):
 *   $root/blobs/sha256/<hex>    every blob, by digest, verified on entry
 *   $root/images/index.json     manifest digest -> image record (tags, repo digests)
 *   $root/images/.lock          flock for every read-modify-write of the index
 *   $root/layers/<chain-hex>/   unpacked layer: diff/ and layer.json
 * $runroot holds what must not survive a reboot (locks of running things).
 * Blobs are written through O_TMPFILE and linked in after fsync: a crash
 * never leaves a partial blob under a digest name.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/error.h"
#include "store/digest.h"

struct store {
        char *root;
        char *runroot;
        int root_fd;
        int blobs_fd;
        int layers_fd;
        int images_fd;
        /*
         * Set by the container layer (which the store cannot call: data flows
         * downward): 1 and the container's ID when a container uses the image.
         */
        int (*image_in_use)(struct store *s, const char *image_id, char **ret_container);
        /*
         * Set by the engine (not by the lean supervisor, which does not load the network code):
         * container_delete releases what the container still holds of its networks (a supervisor
         * that died before it could). record: the container's, updated in memory.
         */
        void (*container_net_release)(struct store *s, const char *id, json_t *record);
};

int store_open(const char *root, const char *runroot, struct store **ret, struct berth_error **err);
struct store *store_free(struct store *s);
void store_freep(struct store **s);

/* Exclusive lock over the image index and layer creation; store_unlock releases it. */
int store_lock(struct store *s, int *ret_fd, struct berth_error **err);
void store_unlock(int fd);

/* Blobs. expected may be NULL; when given, a mismatch is EBADMSG and nothing is stored. */
int blob_put_fd(struct store *s, int fd, const char *expected, char ret_digest[static DIGEST_STRING_MAX],
                uint64_t *ret_size, struct berth_error **err);
int blob_put_buf(struct store *s, const void *buf, size_t len, const char *expected,
                 char ret_digest[static DIGEST_STRING_MAX], struct berth_error **err);
int blob_open(struct store *s, const char *digest, int *ret_fd, struct berth_error **err);
int blob_read(struct store *s, const char *digest, size_t max, char **ret, size_t *ret_len,
              struct berth_error **err);
bool blob_exists(struct store *s, const char *digest);
int blob_size(struct store *s, const char *digest, uint64_t *ret, struct berth_error **err);
int blob_remove(struct store *s, const char *digest, struct berth_error **err);

/*
 * A blob written piece by piece (archive entries, downloads): hashed as it
 * goes into an unnamed O_TMPFILE, linked under its digest only by commit.
 */
struct blob_writer {
        struct store *store;
        int fd;
        struct digest_ctx digest;
        uint64_t size;
        bool open;
};
int blob_writer_open(struct store *s, struct blob_writer *w, struct berth_error **err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct berth_error **err);
/* expected may be NULL. Releases the writer either way. */
int blob_writer_commit(struct blob_writer *w, const char *expected, char ret_digest[static DIGEST_STRING_MAX],
                       uint64_t *ret_size, struct berth_error **err);
/* NULL-safe and idempotent: drops an unfinished blob. */
void blob_writer_release(struct blob_writer *w);

#define _cleanup_store_ __attribute__((cleanup(store_freep)))
