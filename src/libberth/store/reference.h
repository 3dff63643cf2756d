/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Image references, normalised exactly as Docker does (distribution's
 * reference package): "debian" = "docker.io/library/debian:latest",
 * "user/app" = "docker.io/user/app:latest", "host:5000/ns/app:tag",
 * "name@sha256:<64 hex>", "name:tag@sha256:...". Invalid references get
 * Docker's error text (e.g. `invalid reference format`,
 * `invalid reference format: repository name must be lowercase`).
 */
#include <stdbool.h>

#include "base/error.h"

struct image_ref {
        char *domain; /* "docker.io", "localhost:5000", "quay.io" */
        char *path;   /* "library/debian", "user/app" */
        char *tag;    /* NULL when absent (a digest-only reference) or before defaulting */
        char *digest; /* "sha256:<hex>" or NULL */
};

enum image_ref_flags {
        IMAGE_REF_DEFAULT_TAG = 1 << 0, /* add ":latest" when neither tag nor digest is given */
};

int image_ref_parse(const char *s, unsigned flags, struct image_ref **ret, struct berth_error **err);
struct image_ref *image_ref_free(struct image_ref *r);
void image_ref_freep(struct image_ref **r);

/* "docker.io/library/debian:latest" (the canonical string, with tag and/or digest). */
char *image_ref_string(const struct image_ref *r);
/* "docker.io/library/debian" */
char *image_ref_name(const struct image_ref *r);
/* The familiar form Docker prints: "debian", "user/app", "localhost:5000/app" (no tag). */
char *image_ref_familiar_name(const struct image_ref *r);
/* "debian:latest" / "user/app@sha256:..." : familiar name plus tag or digest. */
char *image_ref_familiar_string(const struct image_ref *r);
/* True if s looks like a full or short (>= 1 char hex) image ID ("sha256:" optional). */
bool image_id_like(const char *s);

#define _cleanup_image_ref_ __attribute__((cleanup(image_ref_freep)))
