/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Helpers shared by import, save and load (store/archive*.c, image-import.c).
 * Not a public API: the front ends call store/archive.h.
 */
#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/digest.h"
#include "store/image.h"
#include "store/store.h"

struct archive;

/*
 * Applies one Dockerfile-syntax --change line (CMD, ENTRYPOINT, ENV, EXPOSE,
 * WORKDIR, USER, LABEL, VOLUME, STOPSIGNAL, ONBUILD) to an image config's
 * "config" object, as `docker import/commit --change` does. EINVAL with
 * Docker's message for anything else.
 */
int image_config_apply_change(json_t *config, const char *line, struct berth_error **err);

/*
 * A blob written from a stream we do not own as an fd (a tar entry, a
 * decompressor): O_TMPFILE in the blob dir, hashed as written, linked under
 * its digest only after fsync and after the digest matched (the same rules
 * as blob_put_fd).
 */
/* A libarchive reader of fd's bytes after any compression filter (gzip, bzip2, xz, zstd, none). */
int archive_raw_reader(int fd, struct archive **ret, struct berth_error **err);

/* An OCI manifest for a config and layers, built the way image_create() builds it (same bytes). */
json_t *archive_manifest_build(const char *config_digest, uint64_t config_size,
                               const struct image_layer_desc *layers, size_t n_layers);

/* The layer media type from a blob's first bytes: gzip, zstd or plain tar. */
int archive_layer_media_type(struct store *s, const char *digest, const char **ret,
                             struct berth_error **err);

/* The host's architecture as Go names it (GOARCH: amd64, arm64, ...). */
const char *archive_host_arch(void);
