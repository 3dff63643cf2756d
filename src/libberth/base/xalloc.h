/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Out of memory aborts (STYLE.md B3): there is no sane recovery in a runtime. */
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn)) void oom(void);

static inline void *xmalloc(size_t n)
{
        void *p = calloc(1, n ? n : 1);
        if (!p)
                oom();
        return p;
}

static inline void *xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);
        if (!p)
                oom();
        return p;
}

static inline void *xrealloc(void *old, size_t n)
{
        void *p = realloc(old, n ? n : 1);
        if (!p)
                oom();
        return p;
}

static inline char *xstrdup(const char *s)
{
        char *p;
        if (!s)
                return NULL;
        p = strdup(s);
        if (!p)
                oom();
        return p;
}

char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
