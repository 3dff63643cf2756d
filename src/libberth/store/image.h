/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Images: a manifest blob plus its config blob, recorded in the index with
 * the tags and repo digests that name it. An image's ID is its config digest,
 * as Docker's is. Every change of the index happens under store_lock() and
 * is written atomically.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "store/digest.h"
#include "store/store.h"

#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MEDIA_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"

/* Caps on untrusted JSON (STYLE.md B5). */
#define IMAGE_MANIFEST_MAX (4u << 20)
#define IMAGE_CONFIG_MAX (8u << 20)
#define IMAGE_LAYERS_MAX 500

struct image {
        char id[DIGEST_STRING_MAX];              /* config digest */
        char manifest_digest[DIGEST_STRING_MAX];
        char **tags;    /* canonical: docker.io/library/busybox:latest */
        char **digests; /* canonical: docker.io/library/busybox@sha256:... */
        json_t *manifest;
        json_t *config;
        char *added;    /* RFC 3339, when it entered this store */
        size_t n_layers;
        char (*diff_ids)[DIGEST_STRING_MAX];
        char (*chain_ids)[DIGEST_STRING_MAX];
        uint64_t size; /* sum of the unpacked layers, as Docker's SIZE */
};

struct image *image_free(struct image *img);
void image_freep(struct image **img);
void image_list_free(struct image **list, size_t n);

/* Every image in the index, loaded (manifest, config, chain IDs, size). */
int image_list(struct store *s, struct image ***ret, size_t *ret_n, struct berth_error **err);
/*
 * Finds an image the way Docker does: a reference (default tag latest), a
 * full or short ID (at least one hex digit, unique prefix), "sha256:<id>",
 * or name@digest. ENOENT: "No such image: NAME".
 */
int image_lookup(struct store *s, const char *name, struct image **ret, struct berth_error **err);

/*
 * Writes config and manifest blobs for a new image made of layers already
 * in the store (their compressed blob digests, sizes, media types and diff
 * IDs), records it, and tags it with ref (may be NULL: dangling).
 */
struct image_layer_desc {
        char digest[DIGEST_STRING_MAX];  /* blob in the store */
        char diff_id[DIGEST_STRING_MAX];
        uint64_t size;
        const char *media_type;
};
int image_create(struct store *s, json_t *config, const struct image_layer_desc *layers, size_t n_layers,
                 const char *ref, struct image **ret, struct berth_error **err);
/* Records an image from a manifest blob already in the store (load, pull); tags it with ref if given. */
int image_register(struct store *s, const char *manifest_digest, const char *ref, const char *repo_digest,
                   struct berth_error **err);

/* Tags an existing image; a tag held by another image moves (that one may become dangling). */
int image_tag(struct store *s, const char *source, const char *target, struct berth_error **err);

/*
 * `rmi`: name is a tag -> untag (the image goes when no tag and no repo
 * digest is left); an ID -> the image goes, refused while it has more than
 * one repository unless force. Returns the lines Docker prints ("Untagged:
 * x", "Deleted: sha256:...") in *ret_report.
 */
int image_remove(struct store *s, const char *name, bool force, char ***ret_report, struct berth_error **err);

/* Removes blobs and layers no image references any more. */
int store_gc(struct store *s, struct berth_error **err);

/* chain_id(n) = sha256(chain_id(n-1) + " " + diff_id(n)); chain_id(0) = diff_id(0). */
void layer_chain_id(const char *parent, const char *diff_id, char out[static DIGEST_STRING_MAX]);

#define _cleanup_image_ __attribute__((cleanup(image_freep)))
