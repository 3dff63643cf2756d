/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* NULL-terminated string vectors. */
#include <stddef.h>

size_t strv_length(char *const *v);
char **strv_free(char **v);
void strv_freep(char ***v);
/* Appends a copy of s; v may be NULL. */
char **strv_push(char **v, const char *s);
char **strv_copy(char *const *v);

#define _cleanup_strv_ __attribute__((cleanup(strv_freep)))
