/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Unpacked layers, once per chain ID: $root/layers/<chain-hex>/diff is one
 * overlay lower dir, layer.json records its diff ID, parent and size. A layer
 * is unpacked into a temporary dir and renamed into place, so a crash leaves
 * either nothing or a whole layer.
 */
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

/* Unpacks blob (if the chain is not there yet) and checks its diff ID. */
int layer_store_ensure(struct store *s, const char *parent_chain, const char *blob_digest,
                       const char *expected_diff_id, char ret_chain[static DIGEST_STRING_MAX],
                       uint64_t *ret_size, struct berth_error **err);
bool layer_store_exists(struct store *s, const char *chain_id);
/* Host path of the layer's diff dir. */
char *layer_store_diff_path(struct store *s, const char *chain_id);
int layer_store_size(struct store *s, const char *chain_id, uint64_t *ret, struct berth_error **err);
int layer_store_remove(struct store *s, const char *chain_id, struct berth_error **err);
