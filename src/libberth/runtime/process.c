/* SPDX-License-Identifier: Apache-2.0 */
/* The last steps shared by the container's init and every exec'd process. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "runtime/caps.h"
#include "runtime/runtime-internal.h"
#include "runtime/seccomp.h"

static int apply_rlimits(const struct oci_process *p, struct berth_error **err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
                if (setrlimit(p->rlimits[i].resource, &rl) < 0)
                        return berth_err(err, errno, "setrlimit(%d, %llu, %llu)", p->rlimits[i].resource,
                                         (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
        }
        return 0;
}

static int switch_user(const struct oci_process *p, struct berth_error **err)
{
        if (setgroups(p->n_additional_gids, p->additional_gids) < 0 && errno != EPERM)
                return berth_err(err, errno, "setgroups");
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return berth_err(err, errno, "setgid %u", (unsigned)p->gid);
        /* Keep permitted capabilities across the uid change; capset() then sets the final sets. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return berth_err(err, errno, "prctl(PR_SET_KEEPCAPS)");
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return berth_err(err, errno, "setuid %u", (unsigned)p->uid);
        (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        return 0;
}

/*
 * Ignored signals and the signal mask survive execve: whatever the caller
 * of the runtime ignored (SIGCHLD in some shells, SIGPIPE in daemons) must
 * not leak into the container's process.
 */
static void reset_signals(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;

        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

int process_finish(const struct oci_process *p, const struct berth_seccomp *seccomp, int preserve_fds,
                   struct berth_error **err)
{
        struct oci_caps all = { .bounding = ~0ULL, .effective = ~0ULL, .permitted = ~0ULL };
        const struct oci_caps *caps = p->has_caps ? &p->caps : NULL;
        int r;

        if ((r = apply_rlimits(p, err)) < 0)
                return r;
        if (p->has_oom_score_adj) {
                char v[16];
                snprintf(v, sizeof(v), "%d", p->oom_score_adj);
                if ((r = write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v, strlen(v), err)) < 0)
                        return berth_err_prefix(err, "set oomScoreAdj");
        }
        if (caps && (r = caps_apply_bounding(caps, err)) < 0)
                return r;
        /*
         * Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the
         * final capability set may lack: load it while still privileged.
         */
        if (seccomp && !p->no_new_privileges && (r = berth_seccomp_load(seccomp, err)) < 0)
                return r;
        if ((r = switch_user(p, err)) < 0)
                return r;
        if ((r = caps_apply(caps ? caps : &all, err)) < 0)
                return r;
        if (p->has_umask)
                umask(p->umask);
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return berth_err(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
        if (seccomp && p->no_new_privileges && (r = berth_seccomp_load(seccomp, err)) < 0)
                return r;
        if (mark_fds_cloexec_from(3 + preserve_fds) < 0)
                return berth_err(err, errno, "close inherited fds");
        reset_signals();
        return 0;
}

/* The home directory of uid in the container's /etc/passwd, or "/" (runc and crun do the same). */
static char *passwd_home(uid_t uid)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
        char line[1024];

        while (f && fgets(line, sizeof(line), f)) {
                char *fields[7] = { 0 }, *tok = line;
                int n = 0;
                /* strsep, not strtok: empty fields ("::") count. */
                while (n < 7 && (fields[n] = strsep(&tok, ":\n")))
                        n++;
                if (n >= 6 && fields[2] && strtoul(fields[2], NULL, 10) == uid && fields[5] && *fields[5])
                        return xstrdup(fields[5]);
        }
        return xstrdup("/");
}

char **process_exec_env(const struct oci_process *p)
{
        _cleanup_free_ char *home = NULL, *kv = NULL;
        char **env;

        for (size_t i = 0; p->env && p->env[i]; i++)
                if (strncmp(p->env[i], "HOME=", 5) == 0)
                        return strv_copy(p->env);
        home = passwd_home(p->uid);
        kv = xasprintf("HOME=%s", home);
        env = strv_copy(p->env);
        return strv_push(env, kv);
}

static const char *env_path(const struct oci_process *p)
{
        for (size_t i = 0; p->env && p->env[i]; i++)
                if (strncmp(p->env[i], "PATH=", 5) == 0)
                        return p->env[i] + 5;
        return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static bool is_executable_file(const char *path, int *ret_errno)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                *ret_errno = errno;
                return false;
        }
        if (S_ISDIR(st.st_mode)) {
                *ret_errno = EACCES;
                return false;
        }
        if (access(path, X_OK) < 0) {
                *ret_errno = errno;
                return false;
        }
        return true;
}

/*
 * Docker decides 127 or 126 by searching the runtime's message for Go's
 * lower-case errno strings ("no such file or directory", "permission
 * denied"), so the wording here is runc's, not strerror()'s.
 */
static int exec_error(struct berth_error **err, int e, const char *name)
{
        if (e == ENOENT)
                return berth_err_msg(err, ENOENT, "exec: \"%s\": stat %s: no such file or directory", name, name);
        if (e == EACCES)
                return berth_err_msg(err, EACCES, "exec: \"%s\": permission denied", name);
        return berth_err(err, e, "exec: \"%s\"", name);
}

int process_find_executable(const struct oci_process *p, char **ret, struct berth_error **err)
{
        const char *name = p->args[0];
        _cleanup_free_ char *paths = NULL;
        int e = ENOENT;

        if (strchr(name, '/')) {
                if (!is_executable_file(name, &e))
                        return exec_error(err, e, name);
                *ret = xstrdup(name);
                return 0;
        }
        paths = xstrdup(env_path(p));
        for (char *save = NULL, *dir = strtok_r(paths, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
                int ce = 0;
                if (is_executable_file(cand, &ce)) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
                if (ce == EACCES)
                        e = EACCES;
        }
        if (e == EACCES)
                return exec_error(err, EACCES, name);
        return berth_err_msg(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

int process_chdir(const char *cwd, struct berth_error **err)
{
        _cleanup_close_ int root = -EBADF, fd = -EBADF;
        char buf[PATH_MAX];
        int r;

        root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_err(err, errno, "open /");
        r = chase_at(root, cwd, CHASE_NO_MAGICLINKS, &fd, err);
        if (r == -ENOENT) {
                berth_error_freep(err);
                r = chase_at(root, cwd, CHASE_MKDIR, &fd, err);
        }
        if (r < 0)
                return berth_err_prefix(err, "cwd");
        if (fchdir(fd) < 0)
                return berth_err(err, errno, "chdir to cwd `%s`", cwd);
        /* A cwd reached through a leaked host fd has no name under "/" (CVE-2024-21626). */
        if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
                return berth_err_msg(err, EPERM, "cwd `%s` is outside the container root", cwd);
        return 0;
}
