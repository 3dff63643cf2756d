/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * `berth system check [--repair]`: verifies the store against what it claims.
 *
 *   - every blob in blobs/sha256/ hashes to its name;
 *   - every image in images/index.json has its manifest and config blobs
 *     (present, intact, valid JSON), every layer blob, and every chain ID
 *     unpacked in layers/<hex>/ with a layer.json that names the right diff ID;
 *   - orphans: blobs and layer dirs that no image references;
 *   - partial writes: layers/.tmp-*, images/index.json.tmp-*, stray names.
 *
 * With STORE_FSCK_REPAIR: orphans and partial writes are removed, corrupt
 * blobs are removed, images whose blobs are missing or corrupt are dropped
 * from the index, a missing unpacked layer is unpacked again from its blob,
 * and an unreadable index is rebuilt from the image manifests among the
 * intact blobs (the images come back untagged: the tags lived only in the
 * index). Every problem is reported, with what was done about it.
 *
 * Locking: the check holds the gc lock exclusively (it waits for running
 * loads, imports and pulls, which hold it shared: store_gc_guard) and then
 * store_lock, so no writer is active while it runs and every temp entry is a
 * leftover, every unreferenced blob an orphan. Without REPAIR it changes nothing
 * (the lock files aside).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "store/store.h"

enum store_fsck_kind {
        STORE_FSCK_CORRUPT_BLOB,  /* content does not hash to the blob's name */
        STORE_FSCK_CORRUPT_INDEX, /* images/index.json unreadable or not an index */
        STORE_FSCK_BROKEN_IMAGE,  /* an index entry whose manifest, config or layer blob is missing or bad */
        STORE_FSCK_MISSING_LAYER, /* an image's chain ID is not (properly) unpacked */
        STORE_FSCK_ORPHAN_BLOB,   /* no image references it */
        STORE_FSCK_ORPHAN_LAYER,  /* no image references it */
        STORE_FSCK_PARTIAL_WRITE, /* a temp file or dir left by an interrupted write, or a stray name */
        _STORE_FSCK_KIND_MAX,
        _STORE_FSCK_KIND_INVALID = -EINVAL,
};

/* "corrupt-blob", "corrupt-index", "broken-image", "missing-layer", "orphan-blob", ... */
const char *store_fsck_kind_to_string(enum store_fsck_kind k);

struct store_fsck_problem {
        enum store_fsck_kind kind;
        char *object;  /* a digest ("sha256:..."), or a path relative to the store root */
        char *message; /* what is wrong, one line */
        char *repair;  /* what --repair did ("removed", "dropped from the index", ...), or NULL */
};

struct store_fsck_report {
        struct store_fsck_problem *problems;
        size_t n_problems;
        size_t n_repaired; /* problems with a repair */
        size_t n_blobs;    /* blobs hashed */
        size_t n_images;   /* index entries examined */
        size_t n_layers;   /* unpacked layer dirs seen */
};

enum store_fsck_flags {
        STORE_FSCK_REPAIR = 1 << 0,
};

/*
 * Checks (and with STORE_FSCK_REPAIR repairs) the store. Returns 0 whether or
 * not problems were found (they are in the report); < 0 only when the check
 * itself could not run (locks, unreadable dirs).
 */
int store_fsck(struct store *s, unsigned flags, struct store_fsck_report **ret, struct berth_error **err);

/* "checked 3 images, 12 blobs, 5 layers: the store is clean" / "...: 4 problems, 4 repaired". */
char *store_fsck_summary(const struct store_fsck_report *r);

struct store_fsck_report *store_fsck_report_free(struct store_fsck_report *r);
void store_fsck_report_freep(struct store_fsck_report **r);
#define _cleanup_fsck_report_ __attribute__((cleanup(store_fsck_report_freep)))
