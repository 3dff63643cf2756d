/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's init process, from the fork to the execve of the user's
 * program. It runs without threads, reports every failure to the parent over
 * the sync socket, and waits on the start socket between create and start.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/runtime-internal.h"
#include "runtime/terminal.h"

int sync_send(int fd, int type, pid_t pid, struct berth_error **err)
{
        struct sync_msg m = { .type = type, .pid = pid };

        while (send(fd, &m, offsetof(struct sync_msg, msg), MSG_NOSIGNAL) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "sync send");
        }
        return 0;
}

int sync_send_error(int fd, const struct berth_error *e)
{
        struct sync_msg m = { .type = SYNC_ERROR, .code = e ? e->code : EIO };

        snprintf(m.msg, sizeof(m.msg), "%s", e && e->msg ? e->msg : "container init failed");
        return send(fd, &m, offsetof(struct sync_msg, msg) + strlen(m.msg) + 1, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int sync_send_payload(int fd, int type, const char *payload, struct berth_error **err)
{
        struct sync_msg m = { .type = type };
        size_t len = strlen(payload);

        if (len >= sizeof(m.msg))
                return berth_err_msg(err, E2BIG, "sync payload too large");
        memcpy(m.msg, payload, len + 1);
        while (send(fd, &m, offsetof(struct sync_msg, msg) + len + 1, MSG_NOSIGNAL) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "sync send");
        }
        return 0;
}

static int sync_recv(int fd, int want, struct sync_msg *m, struct berth_error **err)
{
        ssize_t n;

        memset(m, 0, sizeof(*m));
        do
                n = recv(fd, m, sizeof(*m) - 1, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_err(err, errno, "sync receive");
        if (n == 0)
                return berth_err_msg(err, EPIPE, "the container init exited during setup");
        if (m->type == SYNC_ERROR)
                return berth_err_msg(err, m->code > 0 ? m->code : EIO, "%s", m->msg);
        if (m->type != want)
                return berth_err_msg(err, EPROTO, "sync: expected message %d, got %d", want, m->type);
        return 0;
}

int sync_expect(int fd, int want, pid_t *ret_pid, struct berth_error **err)
{
        struct sync_msg m;
        int r = sync_recv(fd, want, &m, err);

        if (r == 0 && ret_pid)
                *ret_pid = m.pid;
        return r;
}

int sync_expect_payload(int fd, int want, char **ret_payload, struct berth_error **err)
{
        struct sync_msg m;
        int r = sync_recv(fd, want, &m, err);

        if (r == 0)
                *ret_payload = xstrdup(m.msg);
        return r;
}

__attribute__((noreturn)) static void init_fail(struct init_config *c, struct berth_error *e)
{
        (void)sync_send_error(c->sync_fd, e);
        _exit(1);
}

/* User namespace: unshare it, let the parent write the maps, then become its root. */
static int init_enter_userns(struct init_config *c, struct berth_error **err)
{
        int r;

        if (unshare(CLONE_NEWUSER) < 0)
                return berth_err(err, errno, "unshare the user namespace");
        r = sync_send(c->sync_fd, SYNC_USERNS, getpid(), err);
        if (r < 0)
                return r;
        r = sync_expect(c->sync_fd, SYNC_USERNS_DONE, NULL, err);
        if (r < 0)
                return r;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return berth_err(err, errno, "become root in the user namespace");
        return 0;
}

/*
 * The double-fork path (a user namespace is involved): namespaces are entered
 * in an order only a process that is not yet pid 1 can follow, then the real
 * init is forked into the new pid namespace. Returns in the init.
 */
static int init_double_fork(struct init_config *c, struct berth_error **err)
{
        const struct oci_spec *s = c->spec;
        pid_t pid;
        int r;

        r = ns_join_paths(s, 0, err);
        if (r < 0)
                return r;
        if (s->namespaces[OCI_NS_USER].present && !s->namespaces[OCI_NS_USER].path) {
                r = init_enter_userns(c, err);
                if (r < 0)
                        return r;
        }
        if (unshare((int)ns_new_flags(s, false)) < 0)
                return berth_err(err, errno, "unshare namespaces");
        if (!s->namespaces[OCI_NS_PID].present)
                return sync_send(c->sync_fd, SYNC_PID, getpid(), err);
        pid = fork();
        if (pid < 0)
                return berth_err(err, errno, "fork the init");
        if (pid > 0) {
                /* The parent learns the init's pid from here; this middle process is done. */
                r = sync_send(c->sync_fd, SYNC_PID, pid, err);
                _exit(r < 0 ? 1 : 0);
        }
        return 0;
}

/* The parent put this process in its cgroup; it tells where, for the cgroupfs mount. */
static int init_receive_cgroup(struct init_config *c, struct berth_error **err)
{
        _cleanup_free_ char *payload = NULL;
        _cleanup_json_ json_t *j = NULL;
        int r;

        if (sync_expect_payload(c->sync_fd, SYNC_CGROUP_DONE, &payload, err) < 0)
                _exit(1); /* the parent failed and reports its own error */
        if (!*payload)
                return 0;
        j = json_loads(payload, 0, NULL);
        if (!j)
                return berth_err_msg(err, EPROTO, "sync: bad cgroup description");
        r = cgroup_load(j, &c->cgroup, err);
        if (r < 0)
                return r;
        /* Cloned into the cgroup2 part; the v1 hierarchies are joined from here (cgroup.h). */
        if (json_is_true(json_object_get(j, "selfJoin")))
                return cgroup_enter_self(c->cgroup, err);
        return 0;
}

static int init_setup_fs(struct init_config *c, struct berth_error **err)
{
        const struct oci_spec *s = c->spec;
        struct rootfs_options o = { .rootfs = c->rootfs, .no_pivot = c->no_pivot, .cgroup = c->cgroup };
        int r;

        r = rootfs_prepare(s, &o, err);
        if (r < 0)
                return r;
        if (c->create_hooks) {
                r = sync_send(c->sync_fd, SYNC_PREPIVOT, 0, err);
                if (r < 0)
                        return r;
                r = sync_expect(c->sync_fd, SYNC_HOOKS_DONE, NULL, err);
                if (r < 0)
                        return r;
        }
        if (s->hooks.n[OCI_HOOK_CREATE_CONTAINER]) {
                _cleanup_json_ json_t *st = json_pack("{s:s,s:s,s:s,s:i,s:s}", "ociVersion", "1.0.2", "id", "",
                                                      "status", "creating", "pid", (int)getpid(), "bundle",
                                                      c->bundle);
                r = hooks_run(s->hooks.list[OCI_HOOK_CREATE_CONTAINER], s->hooks.n[OCI_HOOK_CREATE_CONTAINER],
                              "createContainer", st, err);
                if (r < 0)
                        return r;
        }
        r = rootfs_pivot(s, &o, err);
        if (r < 0)
                return r;
        if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
                return berth_err(err, errno, "sethostname `%s`", s->hostname);
        if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
                return berth_err(err, errno, "setdomainname `%s`", s->domainname);
        r = sysctl_apply(s->sysctl, err);
        if (r < 0)
                return r;
        return rootfs_finalize(s, err);
}

static int init_personality(const struct oci_spec *s, struct berth_error **err)
{
        const char *domain = s->personality ? json_string_value(json_object_get(s->personality, "domain")) : NULL;

        if (!domain)
                return 0;
        if (streq(domain, "LINUX32"))
                return personality(PER_LINUX32) < 0 ? berth_err(err, errno, "personality LINUX32") : 0;
        if (streq(domain, "LINUX"))
                return personality(PER_LINUX) < 0 ? berth_err(err, errno, "personality LINUX") : 0;
        return berth_err_msg(err, EINVAL, "`linux.personality.domain`: unknown domain `%s`", domain);
}

static int init_wait_start(struct init_config *c, int *ret_conn, struct berth_error **err)
{
        char byte;
        int conn;
        ssize_t n;

        for (;;) {
                conn = accept4(c->start_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        return berth_err(err, errno, "wait for start");
                }
                do
                        n = read(conn, &byte, 1);
                while (n < 0 && errno == EINTR);
                if (n == 1 && byte == 'S')
                        break;
                close(conn); /* a stray connection: keep waiting for a real start */
        }
        *ret_conn = conn;
        return 0;
}

static void init_report_start_error(int conn, struct berth_error *e)
{
        _cleanup_free_ char *line = xasprintf("E%d %s", e ? e->code : EIO, e && e->msg ? e->msg : "start failed");
        (void)write_all(conn, line, strlen(line));
}

void init_main(struct init_config *c)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *exe = NULL;
        _cleanup_strv_ char **env = NULL;
        const struct oci_spec *s = c->spec;
        int conn = -1;

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* Nothing in the container may open this process' memory or exe until it execs. */
        (void)prctl(PR_SET_DUMPABLE, 0);
        if (c->double_fork && init_double_fork(c, &err) < 0)
                init_fail(c, err);
        if (!c->double_fork && ns_join_paths(s, 1u << OCI_NS_PID, &err) < 0)
                init_fail(c, err);
        if (init_receive_cgroup(c, &err) < 0)
                init_fail(c, err);
        if (s->namespaces[OCI_NS_CGROUP].present && !s->namespaces[OCI_NS_CGROUP].path &&
            unshare(CLONE_NEWCGROUP) < 0) {
                berth_err(&err, errno, "unshare the cgroup namespace");
                init_fail(c, err);
        }
        if (init_setup_fs(c, &err) < 0 || init_personality(s, &err) < 0)
                init_fail(c, err);
        if (s->process) {
                if (s->process->terminal &&
                    terminal_setup_in_container(c->console_fd, s->process->console_height,
                                                s->process->console_width, true, &err) < 0)
                        init_fail(c, err);
                if (process_chdir(s->process->cwd, &err) < 0 || process_find_executable(s->process, &exe, &err) < 0)
                        init_fail(c, err);
        }
        if (c->console_fd >= 0)
                close(c->console_fd);
        /* Disarm the parent-death signal before saying ready: the parent exits as soon as it
         * has read READY, and a SIGKILL still armed then would kill a perfectly created
         * container (seen on a loaded CI machine). Should the parent die in between, the
         * send below fails on the closed socket and this process exits all the same. */
        (void)prctl(PR_SET_PDEATHSIG, 0);
        if (sync_send(c->sync_fd, SYNC_READY, getpid(), &err) < 0)
                _exit(1);
        close(c->sync_fd);

        if (init_wait_start(c, &conn, &err) < 0)
                _exit(1);
        if (s->hooks.n[OCI_HOOK_START_CONTAINER]) {
                _cleanup_json_ json_t *st = json_pack("{s:s,s:s,s:i}", "ociVersion", "1.0.2", "status", "created",
                                                      "pid", (int)getpid());
                if (hooks_run(s->hooks.list[OCI_HOOK_START_CONTAINER], s->hooks.n[OCI_HOOK_START_CONTAINER],
                              "startContainer", st, &err) < 0) {
                        init_report_start_error(conn, err);
                        _exit(1);
                }
        }
        if (!s->process) {
                berth_err_msg(&err, EINVAL, "the configuration has no process to start");
                init_report_start_error(conn, err);
                _exit(1);
        }
        close(c->start_fd);
        env = process_exec_env(s->process);
        if (process_finish(s->process, c->seccomp, c->preserve_fds, &err) < 0 || !exe) {
                init_report_start_error(conn, err);
                _exit(127);
        }
        execve(exe, s->process->args, env);
        berth_err(&err, errno, "exec: \"%s\"", s->process->args[0]);
        init_report_start_error(conn, err);
        _exit(errno == ENOENT ? 127 : 126);
}
