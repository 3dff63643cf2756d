/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

/* Loads a JSON document with a size cap (untrusted input is bounded, STYLE.md B5). */
int json_load_path(const char *path, size_t max, json_t **ret, struct berth_error **err);
/* Dumps JSON and writes it atomically. */
int json_write_atomic(const char *path, json_t *j, struct berth_error **err);

/*
 * Typed getters that report "`where.key` must be a string" style errors.
 * A missing key leaves *ret untouched and returns 0, unless required.
 */
int json_get_string(json_t *obj, const char *key, bool required, const char *where, const char **ret,
                    struct berth_error **err);
int json_get_bool(json_t *obj, const char *key, const char *where, bool *ret, struct berth_error **err);
int json_get_int64(json_t *obj, const char *key, const char *where, long long *ret, struct berth_error **err);
int json_get_object(json_t *obj, const char *key, const char *where, json_t **ret, struct berth_error **err);
int json_get_array(json_t *obj, const char *key, const char *where, json_t **ret, struct berth_error **err);
/* A JSON array of strings to a NULL-terminated vector (NULL for an absent key). */
int json_get_strv(json_t *obj, const char *key, const char *where, char ***ret, struct berth_error **err);

/* jansson ships json_decrefp() for exactly this. */
#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))
