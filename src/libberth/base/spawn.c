/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/spawn.h"

/*
 * In the child, before exec: /dev/null on 0-2, the ready pipe on 3, keep[i] on 4+i, all inherited.
 * Everything is first moved above 4+n (close-on-exec), so that no source is overwritten before it moved.
 * malloc after fork is fine here: berth's callers are single-threaded.
 */
static int fds_place(const int *keep, size_t n, int ready_w)
{
        int high = 4 + (int)n, *tmp = malloc((n + 1) * sizeof(*tmp)), null, ready;

        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (!tmp || null < 0 || (ready = fcntl(ready_w, F_DUPFD_CLOEXEC, high)) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if ((tmp[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, high)) < 0)
                        return -1;
        if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 || dup2(ready, 3) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (dup2(tmp[i], 4 + (int)i) < 0)
                        return -1;
        return mark_fds_cloexec_from(high);
}

static void child(const char *const argv[], const int *keep, size_t n_keep, bool chdir_root, int ready_w)
{
        sigset_t none;

        (void)setsid();
        if (fork() != 0)
                _exit(0);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                (void)signal(sig, SIG_DFL);
        if (fds_place(keep, n_keep, ready_w) < 0)
                _exit(127);
        if (chdir_root)
                (void)!chdir("/");
        execv(argv[0], (char *const *)argv);
        dprintf(3, "E%d exec `%s`: %s\n", errno, argv[0], strerror(errno));
        _exit(127);
}

int spawn_detached(const char *const argv[], const int *keep, size_t n_keep, bool chdir_root, int *ret_ready,
                   struct berth_error **err)
{
        int pfd[2], status;
        pid_t pid;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return berth_err(err, errno, "fork");
        }
        if (pid == 0)
                child(argv, keep, n_keep, chdir_root, pfd[1]);
        close(pfd[1]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        *ret_ready = pfd[0];
        return 0;
}
