/* SPDX-License-Identifier: Apache-2.0 */
/* `exec`: a new process inside a running container's namespaces and cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/runtime-internal.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/terminal.h"

struct exec_job {
        struct oci_spec *spec;
        struct oci_process *proc;
        struct berth_seccomp *seccomp;
        int pidfd;
        unsigned long ns_flags;
        int console_fd;
        int preserve_fds;
};

static void env_set(char ***env, const char *kv)
{
        size_t klen = strcspn(kv, "=");

        for (size_t i = 0; *env && (*env)[i]; i++) {
                if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
                        free((*env)[i]);
                        (*env)[i] = xstrdup(kv);
                        return;
                }
        }
        *env = strv_push(*env, kv);
}

static int parse_user(const char *u, struct oci_process *p, struct berth_error **err)
{
        char *end;
        unsigned long uid = strtoul(u, &end, 10), gid;

        if (end == u || (*end && *end != ':'))
                return berth_err_msg(err, EINVAL, "--user `%s`: expected UID[:GID]", u);
        p->uid = (uid_t)uid;
        if (*end == ':') {
                const char *g = end + 1;
                gid = strtoul(g, &end, 10);
                if (end == g || *end)
                        return berth_err_msg(err, EINVAL, "--user `%s`: expected UID[:GID]", u);
                p->gid = (gid_t)gid;
        }
        return 0;
}

/* The process from the command line: the container's process, changed by the flags. */
static int exec_process_from_options(const struct oci_process *base, const struct runtime_exec_options *o,
                                     struct oci_process **ret, struct berth_error **err)
{
        struct oci_process *p = xmalloc(sizeof(*p));
        int r = 0;

        if (base) {
                *p = *base;
                p->env = strv_copy(base->env);
                p->additional_gids = base->n_additional_gids
                                             ? xcalloc(base->n_additional_gids, sizeof(gid_t))
                                             : NULL;
                if (p->additional_gids)
                        memcpy(p->additional_gids, base->additional_gids, base->n_additional_gids * sizeof(gid_t));
                p->rlimits = base->n_rlimits ? xcalloc(base->n_rlimits, sizeof(*p->rlimits)) : NULL;
                if (p->rlimits)
                        memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof(*p->rlimits));
                p->apparmor_profile = xstrdup(base->apparmor_profile);
                p->selinux_label = xstrdup(base->selinux_label);
        }
        p->args = strv_copy(o->args);
        p->cwd = xstrdup(o->cwd ? o->cwd : base && base->cwd ? base->cwd : "/");
        p->terminal = o->tty;
        p->has_oom_score_adj = false;
        for (size_t i = 0; o->env && o->env[i]; i++)
                env_set(&p->env, o->env[i]);
        if (o->user)
                r = parse_user(o->user, p, err);
        for (size_t i = 0; r == 0 && o->caps && o->caps[i]; i++) {
                int c = oci_cap_from_name(o->caps[i]);
                if (c < 0) {
                        r = berth_err_msg(err, EINVAL, "--cap: unknown capability `%s`", o->caps[i]);
                        break;
                }
                if (!p->has_caps)
                        p->has_caps = true;
                p->caps.bounding |= 1ULL << c;
                p->caps.effective |= 1ULL << c;
                p->caps.permitted |= 1ULL << c;
                p->caps.inheritable |= 1ULL << c;
                p->caps.ambient |= 1ULL << c;
        }
        if (o->no_new_privs)
                p->no_new_privileges = true;
        if (r == 0 && (!p->args || !p->args[0]))
                r = berth_err_msg(err, EINVAL, "exec needs a command");
        if (r < 0) {
                oci_process_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

static int exec_load_process(const struct runtime_exec_options *o, struct exec_job *j, struct berth_error **err)
{
        _cleanup_json_ json_t *pj = NULL;
        int r;

        if (!o->process_file)
                return exec_process_from_options(j->spec->process, o, &j->proc, err);
        r = json_load_path(o->process_file, 1u << 20, &pj, err);
        if (r < 0)
                return r;
        r = oci_process_parse(pj, &j->proc, err);
        if (r < 0)
                return berth_err_prefix(err, "`%s`", o->process_file);
        if (o->tty)
                j->proc->terminal = true;
        return 0;
}

/* Only namespaces that differ from ours: re-entering our own user namespace is EINVAL. */
static unsigned long exec_ns_flags(pid_t pid)
{
        unsigned long flags = 0;

        for (int t = 0; t < _OCI_NS_MAX; t++) {
                char a[64], b[64];
                struct stat sa, sb;
                snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, oci_ns_proc_name(t));
                snprintf(b, sizeof(b), "/proc/self/ns/%s", oci_ns_proc_name(t));
                if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
                        continue;
                if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
                        flags |= (unsigned long)oci_ns_clone_flag(t);
        }
        return flags;
}

__attribute__((noreturn)) static void exec_child_fail(int sync_fd, struct berth_error *e, int code)
{
        (void)sync_send_error(sync_fd, e);
        _exit(code);
}

/* The exec'd process, in the container's namespaces, once its parent put it in the cgroup. */
__attribute__((noreturn)) static void exec_grandchild(struct exec_job *j, int sync_fd)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *exe = NULL;
        _cleanup_strv_ char **env = NULL;

        if (sync_expect(sync_fd, SYNC_CGROUP_DONE, NULL, &err) < 0)
                _exit(1);
        if (j->proc->terminal && terminal_setup_in_container(j->console_fd, j->proc->console_height,
                                                             j->proc->console_width, false, &err) < 0)
                exec_child_fail(sync_fd, err, 1);
        if (j->console_fd >= 0)
                close(j->console_fd);
        if (process_chdir(j->proc->cwd, &err) < 0 || process_find_executable(j->proc, &exe, &err) < 0)
                exec_child_fail(sync_fd, err, 127);
        env = process_exec_env(j->proc);
        if (process_finish(j->proc, j->seccomp, j->preserve_fds, &err) < 0)
                exec_child_fail(sync_fd, err, 1);
        execve(exe, j->proc->args, env);
        berth_err(&err, errno, "exec: \"%s\"", j->proc->args[0]);
        exec_child_fail(sync_fd, err, errno == ENOENT ? 127 : 126);
}

/* The middle process: joins the namespaces, then clones the real process as our sibling's child. */
__attribute__((noreturn)) static void exec_child(struct exec_job *j, int sync_fd)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct berth_clone_args args = { .flags = CLONE_PARENT, .exit_signal = 0 };
        pid_t pid;

        (void)prctl(PR_SET_DUMPABLE, 0);
        if (j->ns_flags && setns(j->pidfd, (int)j->ns_flags) < 0) {
                berth_err(&err, errno, "join the container's namespaces");
                exec_child_fail(sync_fd, err, 1);
        }
        /* CLONE_PARENT makes the runtime the parent, so it can wait for the exit status. */
        pid = (pid_t)sys_clone3(&args, sizeof(args));
        if (pid < 0) {
                berth_err(&err, errno, "clone the exec process");
                exec_child_fail(sync_fd, err, 1);
        }
        if (pid == 0)
                exec_grandchild(j, sync_fd);
        _exit(sync_send(sync_fd, SYNC_PID, pid, NULL) < 0 ? 1 : 0);
}

static void exec_job_release(struct exec_job *j)
{
        oci_process_free(j->proc);
        oci_spec_free(j->spec);
        berth_seccomp_free(j->seccomp);
        if (j->pidfd >= 0)
                close(j->pidfd);
        if (j->console_fd >= 0)
                close(j->console_fd);
}

static int exec_prepare(struct runtime_state *st, const struct runtime_exec_options *o, struct exec_job *j,
                        struct berth_error **err)
{
        _cleanup_free_ char *config = xasprintf("%s/config.json", st->bundle);
        int r;

        r = oci_spec_load(config, &j->spec, err);
        if (r < 0)
                return r;
        r = exec_load_process(o, j, err);
        if (r < 0)
                return r;
        if (j->spec->seccomp && (r = berth_seccomp_compile(j->spec->seccomp, &j->seccomp, err)) < 0)
                return berth_err_prefix(err, "seccomp");
        j->pidfd = sys_pidfd_open(st->pid, 0);
        if (j->pidfd < 0 || !state_init_alive(st))
                return berth_err_msg(err, ESRCH, "container `%s` is not running", st->id);
        j->ns_flags = exec_ns_flags(st->pid);
        return 0;
}

/* Forks the exec process; returns its pid once it runs the user's program. */
static int exec_spawn(struct runtime_state *st, struct exec_job *j, pid_t *ret_pid, struct berth_error **err)
{
        struct cgroup *cg = NULL;
        int sv[2], r;
        pid_t middle, pid = 0;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return berth_err(err, errno, "socketpair");
        middle = fork();
        if (middle < 0) {
                close(sv[0]);
                close(sv[1]);
                return berth_err(err, errno, "fork");
        }
        if (middle == 0) {
                close(sv[0]);
                exec_child(j, sv[1]);
        }
        close(sv[1]);
        r = sync_expect(sv[0], SYNC_PID, &pid, err);
        (void)waitpid(middle, NULL, 0);
        if (r == 0 && st->cgroup && (r = cgroup_load(st->cgroup, &cg, err)) == 0) {
                r = cgroup_enter(cg, pid, err);
                cgroup_free(cg);
        }
        if (r == 0)
                r = sync_send(sv[0], SYNC_CGROUP_DONE, 0, err);
        if (r == 0) {
                /* EOF means execve succeeded (the socket is close-on-exec); a message is a failure. */
                struct sync_msg m;
                ssize_t n;
                do
                        n = recv(sv[0], &m, sizeof(m) - 1, 0);
                while (n < 0 && errno == EINTR);
                if (n > 0 && m.type == SYNC_ERROR) {
                        ((char *)&m)[n] = '\0';
                        r = berth_err_msg(err, m.code > 0 ? m.code : EIO, "%s", m.msg);
                }
        }
        close(sv[0]);
        if (r < 0) {
                if (pid > 0) {
                        kill(pid, SIGKILL);
                        (void)waitpid(pid, NULL, __WALL);
                }
                return r;
        }
        *ret_pid = pid;
        return 0;
}

static int exec_wait(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, __WALL) < 0) {
                if (errno != EINTR)
                        return 255;
        }
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int runtime_exec(struct runtime_context *ctx, const char *id, const struct runtime_exec_options *o,
                 int *ret_status, struct berth_error **err)
{
        _cleanup_state_ struct runtime_state *st = NULL;
        struct exec_job j = { .pidfd = -1, .console_fd = -1, .preserve_fds = o->preserve_fds };
        _cleanup_close_ int master = -EBADF, proxy = -EBADF;
        pid_t pid = 0;
        int r;

        *ret_status = 0;
        r = state_read(ctx, id, &st, err);
        if (r < 0)
                return r;
        if (state_status(st) == RUNTIME_STATUS_STOPPED)
                return berth_err_msg(err, EINVAL, "cannot exec in a stopped container");
        r = exec_prepare(st, o, &j, err);
        if (r == 0 && j.proc->terminal) {
                if (o->console_socket) {
                        r = console_socket_connect(o->console_socket, &j.console_fd, err);
                } else {
                        int sv[2];
                        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                                r = berth_err(err, errno, "socketpair");
                        else {
                                proxy = sv[0];
                                j.console_fd = sv[1];
                        }
                }
        }
        if (r == 0)
                r = exec_spawn(st, &j, &pid, err);
        exec_job_release(&j);
        if (r < 0)
                return r;
        if (proxy >= 0 && (r = fd_recv(proxy, &master, err)) < 0)
                return r;
        if (o->pid_file) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%d", (int)pid);
                r = write_file_atomic_at(AT_FDCWD, o->pid_file, buf, strlen(buf), 0644, err);
                if (r < 0)
                        return r;
        }
        if (o->detach)
                return 0;
        if (master >= 0)
                (void)terminal_proxy(master, err);
        *ret_status = exec_wait(pid);
        return 0;
}
