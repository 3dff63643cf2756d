/* SPDX-License-Identifier: Apache-2.0 */
#include "base/strv.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

size_t strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

char **strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
        return NULL;
}

void strv_freep(char ***v)
{
        *v = strv_free(*v);
}

char **strv_push(char **v, const char *s)
{
        size_t n = strv_length(v);
        v = xrealloc(v, (n + 2) * sizeof(char *));
        v[n] = xstrdup(s);
        v[n + 1] = NULL;
        return v;
}

char **strv_copy(char *const *v)
{
        char **r = xcalloc(strv_length(v) + 1, sizeof(char *));
        for (size_t i = 0; v && v[i]; i++)
                r[i] = xstrdup(v[i]);
        return r;
}

bool strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}
