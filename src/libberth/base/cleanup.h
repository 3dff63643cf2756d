/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Scope-bound cleanup (STYLE.md B4). Initialise on the declaration line. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
        *fd = -EBADF;
}

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
        *f = NULL;
}

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
        *d = NULL;
}

/* A child that must not outlive the scope that made it (crun's cleanup_pid). */
static inline void childp(pid_t *pid)
{
        if (*pid > 0) {
                int saved = errno;
                kill(*pid, SIGKILL);
                while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                errno = saved;
        }
        *pid = 0;
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_child_ _cleanup_(childp)

#define TAKE_PTR(p)                                  \
        ({                                           \
                __typeof__(p) _took_ = (p);          \
                (p) = NULL;                          \
                _took_;                              \
        })
#define TAKE_FD(fd)                                  \
        ({                                           \
                int _took_ = (fd);                   \
                (fd) = -EBADF;                       \
                _took_;                              \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define streq(a, b) (strcmp((a), (b)) == 0)
