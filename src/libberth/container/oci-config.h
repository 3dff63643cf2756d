/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * From a container record and its image to what the runtime runs: the OCI
 * config.json with Docker's defaults (capabilities, seccomp profile,
 * masked and read-only paths, /dev, /etc/hostname, /etc/hosts,
 * /etc/resolv.conf, user and groups resolved in the image's /etc/passwd),
 * and the overlay root filesystem (image layers + the container's upper dir).
 */
#include <jansson.h>

#include "base/error.h"
#include "container/container.h"
#include "store/image.h"

/* Writes $root/containers/<id>/config.json (the OCI bundle is that dir; root.path = "rootfs"). */
int container_oci_config(struct store *s, struct container *c, struct image *img, json_t **ret,
                         struct berth_error **err);
/* Mounts overlay(lower = the image's layers, upper, work) on containers/<id>/rootfs; idempotent. */
int container_rootfs_mount(struct store *s, struct container *c, struct image *img, struct berth_error **err);
int container_rootfs_umount(struct store *s, struct container *c, struct berth_error **err);
