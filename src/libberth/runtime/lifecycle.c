/* SPDX-License-Identifier: Apache-2.0 */
/* start, run, state, kill, delete, list, ps, pause, update. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/terminal.h"

static int start_connect(const struct runtime_context *ctx, const char *id, struct berth_error **err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_free_ char *dir = state_dir(ctx, id);
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;

        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "open `%s`", dir);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_err(err, errno, "socket");
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/start.sock", dfd);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return berth_err(err, errno, "connect to the container init");
        return TAKE_FD(fd);
}

/* The init closes the connection by exec (CLOEXEC): EOF is success, "E<code> <msg>" a failure. */
static int start_handshake(int fd, struct berth_error **err)
{
        char buf[4096];
        ssize_t n;

        if (write_all(fd, "S", 1) < 0)
                return berth_err(err, errno, "signal the container init");
        n = read_all(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return berth_err(err, errno, "wait for the container to start");
        if (n == 0)
                return 0;
        buf[n] = '\0';
        if (buf[0] == 'E') {
                char *msg = NULL;
                long code = strtol(buf + 1, &msg, 10);
                if (msg && *msg == ' ')
                        msg++;
                return berth_err_msg(err, code > 0 ? (int)code : EIO, "%s", msg ? msg : "start failed");
        }
        return berth_err_msg(err, EPROTO, "unexpected answer from the container init");
}

int runtime_start(struct runtime_context *ctx, const char *id, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        _cleanup_close_ int fd = -EBADF;
        enum runtime_status status;
        int r;

        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        status = state_status(st);
        if (status != RUNTIME_STATUS_CREATED)
                return berth_err_msg(err, EINVAL, "cannot start a container that is %s",
                                     runtime_status_to_string(status));
        fd = start_connect(ctx, id, err);
        if (fd < 0)
                return fd;
        r = start_handshake(fd, err);
        if (r < 0)
                return r;
        st->started = true;
        r = state_write(ctx, st, err);
        if (r < 0)
                return r;
        if (st->hooks) {
                _cleanup_json_ json_t *oci = state_to_oci_json(st, RUNTIME_STATUS_RUNNING);
                _cleanup_error_ struct berth_error *herr = NULL;
                /* The spec: a failing poststart hook is a warning, the container keeps running. */
                if (hooks_run_json(st->hooks, "poststart", oci, &herr) < 0)
                        log_warning("%s", herr->msg);
        }
        return 0;
}

int runtime_state(struct runtime_context *ctx, const char *id, json_t **ret, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        int r = state_read(ctx, id, &st, err);

        if (r < 0)
                return r;
        *ret = state_to_oci_json(st, state_status(st));
        return 0;
}

static int load_cgroup(const struct runtime_state *st, struct cgroup **ret, struct berth_error **err)
{
        if (!st->cgroup)
                return berth_err_msg(err, ENOENT, "container `%s` has no cgroup", st->id);
        return cgroup_load(st->cgroup, ret, err);
}

static int signal_init(const struct runtime_state *st, int sig, struct berth_error **err)
{
        _cleanup_close_ int pidfd = sys_pidfd_open(st->pid, 0);

        /* The pidfd pins the process: once the start time matches, the signal cannot hit a reused pid. */
        if (pidfd < 0 || !state_init_alive(st))
                return berth_err_msg(err, ESRCH, "container `%s` is not running", st->id);
        if (sys_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
                return berth_err(err, errno, "kill container `%s`", st->id);
        return 0;
}

int runtime_kill(struct runtime_context *ctx, const char *id, int sig, bool all, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        struct cgroup *cg = NULL;
        int r;

        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        if (!all)
                return signal_init(st, sig, err);
        r = load_cgroup(st, &cg, err);
        if (r < 0)
                return r;
        r = cgroup_kill_all(cg, sig, err);
        cgroup_free(cg);
        return r;
}

static int wait_init_gone(const struct runtime_state *st, int timeout_ms)
{
        _cleanup_close_ int pidfd = sys_pidfd_open(st->pid, 0);
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        if (pidfd < 0 || !state_init_alive(st))
                return 0;
        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        return 0;
}

int runtime_delete(struct runtime_context *ctx, const char *id, bool force, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        enum runtime_status status;
        struct cgroup *cg = NULL;
        int r;

        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        status = state_status(st);
        if (status != RUNTIME_STATUS_STOPPED && status != RUNTIME_STATUS_CREATED && !force)
                return berth_err_msg(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
                                     runtime_status_to_string(status));
        if (st->cgroup && cgroup_load(st->cgroup, &cg, NULL) == 0) {
                if (status != RUNTIME_STATUS_STOPPED || force) {
                        (void)cgroup_kill_all(cg, SIGKILL, NULL);
                        (void)cgroup_freeze(cg, false, NULL);
                }
        }
        if (status != RUNTIME_STATUS_STOPPED) {
                (void)signal_init(st, SIGKILL, NULL);
                if (wait_init_gone(st, 10000) < 0) {
                        cgroup_free(cg);
                        return berth_err_msg(err, ETIMEDOUT, "container `%s` did not die after SIGKILL", id);
                }
        }
        if (cg) {
                r = cgroup_destroy(cg, err);
                cgroup_free(cg);
                if (r < 0)
                        return r;
        }
        if (st->hooks) {
                _cleanup_json_ json_t *oci = state_to_oci_json(st, RUNTIME_STATUS_STOPPED);
                _cleanup_error_ struct berth_error *herr = NULL;
                if (hooks_run_json(st->hooks, "poststop", oci, &herr) < 0)
                        log_warning("%s", herr->msg);
        }
        return state_remove(ctx, id, err);
}

int runtime_list(struct runtime_context *ctx, json_t **ret, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = opendir(ctx->state_root);
        json_t *arr = json_array();
        struct dirent *de;

        if (!d) {
                if (errno == ENOENT) {
                        *ret = arr;
                        return 0;
                }
                json_decref(arr);
                return berth_err(err, errno, "open `%s`", ctx->state_root);
        }
        while ((de = readdir(d))) {
                _cleanup_state_ struct runtime_state *st = NULL;
                json_t *o;
                if (de->d_name[0] == '.' || state_read(ctx, de->d_name, &st, NULL) < 0)
                        continue;
                o = state_to_oci_json(st, state_status(st));
                json_object_set_new(o, "created", json_string(st->created));
                json_object_set_new(o, "rootfs", json_string(st->rootfs));
                json_object_set_new(o, "owner", json_string(st->owner));
                json_array_append_new(arr, o);
        }
        *ret = arr;
        return 0;
}

int runtime_ps(struct runtime_context *ctx, const char *id, pid_t **ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        struct cgroup *cg = NULL;
        int r;

        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        r = load_cgroup(st, &cg, err);
        if (r < 0)
                return r;
        r = cgroup_pids(cg, ret, ret_n, err);
        cgroup_free(cg);
        return r;
}

int runtime_pause(struct runtime_context *ctx, const char *id, bool pause, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        enum runtime_status status;
        struct cgroup *cg = NULL;
        int r;

        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        status = state_status(st);
        if (pause && status != RUNTIME_STATUS_RUNNING)
                return berth_err_msg(err, EINVAL, "container `%s` is not running", id);
        if (!pause && status != RUNTIME_STATUS_PAUSED)
                return berth_err_msg(err, EINVAL, "container `%s` is not paused", id);
        r = load_cgroup(st, &cg, err);
        if (r < 0)
                return r;
        r = cgroup_freeze(cg, pause, err);
        cgroup_free(cg);
        return r;
}

int runtime_update(struct runtime_context *ctx, const char *id, json_t *resources, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        struct cgroup_resources *res = NULL;
        struct cgroup *cg = NULL;
        int r;

        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        if (state_status(st) == RUNTIME_STATUS_STOPPED)
                return berth_err_msg(err, EINVAL, "container `%s` is stopped", id);
        r = cgroup_resources_parse(resources, &res, err);
        if (r < 0)
                return r;
        r = load_cgroup(st, &cg, err);
        if (r == 0)
                r = cgroup_update(cg, res, err);
        cgroup_free(cg);
        cgroup_resources_free(res);
        return r;
}

int runtime_signal_parse(const char *s)
{
        static const struct {
                const char *name;
                int sig;
        } t[] = { { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },
                  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "BUS", SIGBUS },   { "FPE", SIGFPE },
                  { "KILL", SIGKILL }, { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
                  { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },   { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
                  { "CONT", SIGCONT }, { "STOP", SIGSTOP },   { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
                  { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
                  { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
                  { "PWR", SIGPWR },   { "SYS", SIGSYS } };
        char *end;
        long n = strtol(s, &end, 10);

        if (*s && !*end)
                return n > 0 && n < 65 ? (int)n : -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                if (strcasecmp(s, t[i].name) == 0)
                        return t[i].sig;
        return -EINVAL;
}
