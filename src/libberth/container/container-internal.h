/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "container/container.h"

/* $root/containers (created with its names/ subdir on first use). */
int containers_dir_open(struct store *s, int *ret_fd, struct berth_error **err);
/* The record of a new container: Docker's inspect shape with the image's config merged in. */
json_t *container_record_new(const char *id, const char *name, json_t *config, json_t *host_config,
                             json_t *image_config, const char *image_id, const char *dir);
/*
 * What the OCI runtime still holds of a container that does not run (supervisor.c): an init left in
 * "created" by a supervisor killed between create and start waits for a start forever, in its
 * cgroups. container_delete calls it so that rm -f and prune leave nothing behind.
 */
void container_runtime_leftovers_cleanup(struct store *s, struct container *c);
