/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "container/container.h"

/* $root/containers (created with its names/ subdir on first use). */
int containers_dir_open(struct store *s, int *ret_fd, struct berth_error **err);
/* The record of a new container: Docker's inspect shape with the image's config merged in. */
json_t *container_record_new(const char *id, const char *name, json_t *config, json_t *host_config,
                             json_t *image_config, const char *image_id, const char *dir);
