/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * images/index.json: {"images":[{"manifest":..,"id":..,"tags":[..],"digests":[..],"added":..}]}.
 * Read and written only under store_lock(); written atomically.
 */
#include <jansson.h>

#include "base/error.h"
#include "store/store.h"

int image_index_load(struct store *s, json_t **ret, struct berth_error **err);
int image_index_save(struct store *s, json_t *index, struct berth_error **err);
/* The entry for a manifest digest, or NULL. */
json_t *image_index_find(json_t *index, const char *manifest_digest);
/* Removes ref from every entry's tags and digests. */
void image_index_drop_ref(json_t *index, const char *ref);
json_t *image_index_entries(json_t *index);

struct image;
/* Loads every entry of an index already read (under the caller's lock). */
int image_index_load_images(struct store *s, json_t *index, struct image ***ret, size_t *ret_n,
                            struct berth_error **err);
/* Writers of new blobs and layers hold this shared; gc takes it exclusive or skips. */
int store_gc_guard(struct store *s, int *ret_fd, struct berth_error **err);
/* Finds name in a loaded list (Docker's lookup order); *ret is borrowed from the list. */
int image_lookup_in(struct image **list, size_t n, const char *name, struct image **ret, struct berth_error **err);
