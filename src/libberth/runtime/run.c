/* SPDX-License-Identifier: Apache-2.0 */
/* `run`: create + start, and in the foreground wait, forward signals, delete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "oci/runtime-spec.h"
#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "runtime/terminal.h"

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
        if (forward_pid > 0)
                kill(forward_pid, sig);
}

static void install_forwarding(pid_t pid)
{
        static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
        struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

        forward_pid = pid;
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                sigaction(sigs[i], &sa, NULL);
}

static int wait_exit_status(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return 255;
        }
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

static bool wants_terminal(const struct runtime_create_options *o, struct berth_error **err)
{
        _cleanup_spec_ struct oci_spec *s = NULL;
        _cleanup_free_ char *path = o->config ? xstrdup(o->config)
                                              : xasprintf("%s/config.json", o->bundle ? o->bundle : ".");

        if (oci_spec_load(path, &s, err) < 0)
                return false;
        return s->process && s->process->terminal;
}

int runtime_run(struct runtime_context *ctx, const struct runtime_create_options *o, bool detach,
                int *ret_status, struct berth_error **err)
{
        _cleanup_close_ int master = -EBADF;
        int sv[2] = { -1, -1 };
        pid_t pid;
        int r;

        *ret_status = 0;
        /* The init may be forked by a middle process: as subreaper we still get to wait for it. */
        if (!detach)
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        if (!detach && !o->console_socket && wants_terminal(o, err)) {
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return berth_err(err, errno, "socketpair");
        }
        if (*err)
                return -berth_error_code(*err);
        r = runtime_create_console_fd(ctx, o, sv[1], &pid, err);
        if (sv[1] >= 0)
                close(sv[1]);
        if (r == 0 && sv[0] >= 0)
                r = fd_recv(sv[0], &master, err);
        if (sv[0] >= 0)
                close(sv[0]);
        if (r < 0)
                return r;
        r = runtime_start(ctx, o->id, err);
        if (r < 0 || detach) {
                if (r < 0)
                        (void)runtime_delete(ctx, o->id, true, NULL);
                return r;
        }
        install_forwarding(pid);
        if (master >= 0)
                (void)terminal_proxy(master, err);
        *ret_status = wait_exit_status(pid);
        forward_pid = 0;
        return runtime_delete(ctx, o->id, true, err);
}
