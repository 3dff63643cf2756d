/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/hooks.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/syscalls.h"
#include "base/xalloc.h"

extern char **environ;

static int wait_hook(pid_t pid, int timeout_s, const char *path, const char *kind, struct berth_error **err)
{
        _cleanup_close_ int pidfd = sys_pidfd_open(pid, 0);
        int status;

        if (pidfd >= 0 && timeout_s > 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                int r;
                do
                        r = poll(&p, 1, timeout_s * 1000);
                while (r < 0 && errno == EINTR);
                if (r == 0) {
                        kill(pid, SIGKILL);
                        (void)waitpid(pid, NULL, 0);
                        return berth_err_msg(err, ETIMEDOUT, "%s hook `%s` timed out after %d s", kind, path,
                                             timeout_s);
                }
        }
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "wait for %s hook `%s`", kind, path);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFSIGNALED(status))
                return berth_err_msg(err, EIO, "%s hook `%s` was killed by signal %d", kind, path,
                                     WTERMSIG(status));
        return berth_err_msg(err, EIO, "%s hook `%s` exited with status %d", kind, path, WEXITSTATUS(status));
}

static int run_one(const struct oci_hook *h, const char *kind, const char *state, struct berth_error **err)
{
        int pipefd[2];
        pid_t pid;
        int r;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return berth_err(err, errno, "fork");
        }
        if (pid == 0) {
                char *const default_argv[] = { h->path, NULL };
                if (dup2(pipefd[0], STDIN_FILENO) < 0)
                        _exit(127);
                execve(h->path, h->args && h->args[0] ? h->args : default_argv, h->env ? h->env : environ);
                _exit(127);
        }
        close(pipefd[0]);
        /* A hook that never reads its stdin must not block us: SIGPIPE is ignored by the caller. */
        (void)write_all(pipefd[1], state, strlen(state));
        close(pipefd[1]);
        r = wait_hook(pid, h->timeout, h->path, kind, err);
        return r;
}

int hooks_run(const struct oci_hook *hooks, size_t n, const char *kind, json_t *state, struct berth_error **err)
{
        _cleanup_free_ char *s = NULL;
        void (*old)(int);
        int r = 0;

        if (n == 0)
                return 0;
        s = json_dumps(state, JSON_COMPACT);
        old = signal(SIGPIPE, SIG_IGN);
        for (size_t i = 0; i < n && r == 0; i++)
                r = run_one(&hooks[i], kind, s, err);
        signal(SIGPIPE, old);
        return r;
}

int hooks_run_json(json_t *hooks, const char *kind, json_t *state, struct berth_error **err)
{
        json_t *arr = json_object_get(hooks, kind), *v;
        struct oci_hook *list;
        size_t i, n;
        int r;

        if (!json_is_array(arr) || json_array_size(arr) == 0)
                return 0;
        n = json_array_size(arr);
        list = xcalloc(n, sizeof(*list));
        json_array_foreach (arr, i, v) {
                json_t *t = json_object_get(v, "timeout");
                list[i].path = (char *)json_string_value(json_object_get(v, "path"));
                (void)json_get_strv(v, "args", "hooks", &list[i].args, NULL);
                (void)json_get_strv(v, "env", "hooks", &list[i].env, NULL);
                list[i].timeout = json_is_integer(t) ? (int)json_integer_value(t) : 0;
        }
        r = hooks_run(list, n, kind, state, err);
        for (i = 0; i < n; i++) {
                strv_free(list[i].args);
                strv_free(list[i].env);
        }
        free(list);
        return r;
}
