/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What several unit tests share: a shell command for setting up a scenario. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs `sh -ec CMD` (printf-style) and returns its exit status (-1 if it did not exit). */
__attribute__((format(printf, 1, 2), unused)) static int sh(const char *fmt, ...)
{
        char *cmd = NULL;
        va_list ap;
        pid_t pid;
        int st;

        va_start(ap, fmt);
        if (vasprintf(&cmd, fmt, ap) < 0)
                abort();
        va_end(ap);
        pid = fork();
        if (pid == 0) {
                execl("/bin/sh", "sh", "-ec", cmd, (char *)NULL);
                _exit(127);
        }
        free(cmd);
        if (pid < 0 || waitpid(pid, &st, 0) < 0)
                return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sh(), for setup that must work: a failure ends the test program with a TAP "Bail out!". */
#define sh_or_bail(...)                                                                                     \
        do {                                                                                                \
                if (sh(__VA_ARGS__) != 0) {                                                                 \
                        printf("Bail out! setup command failed: ");                                         \
                        printf(__VA_ARGS__);                                                                \
                        printf("\n");                                                                       \
                        exit(1);                                                                            \
                }                                                                                           \
        } while (0)
