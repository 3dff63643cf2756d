/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Images berth carries inside itself, so that they work offline: for now
 * hello-world, whose one layer holds /hello, berth's own static program
 * (src/hello-world), embedded into libberth at build time. The image is
 * made reproducibly (fixed timestamps, a fixed tar layout): the same berth
 * build gives the same image ID in every store.
 */
#include <stdbool.h>

#include "base/error.h"
#include "store/store.h"

#define BUILTIN_HELLO_WORLD_REF "docker.io/library/hello-world:latest"

/* True when name normalises to a built-in image's reference (hello-world, hello-world:latest, ...). */
bool builtin_image_is(const char *name);

/*
 * Creates the built-in image name refers to, if the store has no image of
 * that reference yet. Returns 1 when it created the image, 0 when name is
 * not a built-in image or the reference is already there (a cheap check of
 * the index: call it when image_lookup() fails with ENOENT, or before).
 */
int builtin_image_ensure(struct store *s, const char *name, struct berth_error **err);
