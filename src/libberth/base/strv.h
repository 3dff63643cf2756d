/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* NULL-terminated string vectors. */
#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char *const *v);
char **strv_free(char **v);
void strv_freep(char ***v);
/* Appends a copy of s; v may be NULL. */
char **strv_push(char **v, const char *s);
char **strv_copy(char *const *v);
bool strv_contains(char *const *v, const char *s);

#define _cleanup_strv_ __attribute__((cleanup(strv_freep)))
