/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/companion.h"
#include "base/xalloc.h"

char *companion_find(const char *name, const char *env_var)
{
        const char *env = secure_getenv(env_var);
        char self[PATH_MAX], *slash;
        ssize_t n;

        if (env && *env)
                return realpath(env, self) ? xstrdup(self) : xstrdup(env);
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                return NULL;
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (!slash)
                return NULL;
        *slash = '\0';
        for (int i = 0; i < 3; i++) {
                char *p = i == 0   ? xasprintf("%s/%s", self, name)
                          : i == 1 ? xasprintf("%s/../%s/%s", self, name, name)
                                   : xasprintf("%s/../../src/%s/%s", self, name, name);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}
